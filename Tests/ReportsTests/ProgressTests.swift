import Foundation
import Matrix
import Synchronization
import Testing
@testable import Reports

@Suite struct ProgressTests {
    final class Capture: Sendable {
        let text = Mutex("")
        let clock = Mutex(Date(timeIntervalSince1970: 0))
        func advance(_ seconds: Double) { clock.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    let steps = Schedule.steps(
        Expansion(
            cells: [Cell(backend: .straitd, cache: "auto", processing: .inline)], dropped: [],
            workloads: [.fio(FioJob(pattern: .randread, engine: .psync)), .tar(TarWorkload())], repetitions: 2),
        variants: ["A", "B"])

    @Test func linesStyleLogsEveryEventWithAnEstimate() {
        let capture = Capture()
        let progress = ProgressDisplay(total: steps.count, style: .lines, now: { capture.clock.withLock { $0 } }) { t in
            capture.text.withLock { $0 += t }
        }
        progress.begin(steps[0])
        capture.advance(30)
        progress.end(steps[0], outcome: "84.7mb 21.7k")
        progress.begin(steps[1])
        capture.advance(90)
        progress.end(steps[1], outcome: "unsupported: ENODEV")
        progress.begin(steps[2])
        let lines = capture.text.withLock { $0 }.split(separator: "\n").map(String.init)
        #expect(lines == [
            "[0/8] A straitd-auto-inline randread-psync #1, elapsed 0s",
            "[1/8] A straitd-auto-inline randread-psync #1: 84.7mb 21.7k (30s)",
            "[1/8] B straitd-auto-inline randread-psync #1, elapsed 30s, about 3m30s left",
            "[2/8] B straitd-auto-inline randread-psync #1: unsupported: ENODEV (1m30s)",
            "[2/8] B straitd-auto-inline tar #1, elapsed 2m00s, about 6m00s left",
        ])
    }

    @Test func terminalStyleRedrawsInPlace() {
        let capture = Capture()
        let progress = ProgressDisplay(total: 2, style: .terminal, now: { capture.clock.withLock { $0 } }) { t in
            capture.text.withLock { $0 += t }
        }
        progress.begin(steps[0])
        progress.end(steps[0], outcome: "ok")
        let text = capture.text.withLock { $0 }
        #expect(text == "\r\u{1B}[K[0/2] A straitd-auto-inline randread-psync #1, elapsed 0s\r\u{1B}[K[1/2] A straitd-auto-inline randread-psync #1: ok (0s)\n")
        #expect(ProgressDisplay.duration(3725) == "1h02m")
    }
}
