import Foundation
import Glibc
import Testing
import VhostUserDriver
@testable import VirtioFS

/// Fuzzing straitd's stack in this process, where a crash fails the test run itself and every
/// fd the daemon side opens is visible in /proc/self/fd.
final class InProcessFuzzTarget: FuzzTarget {
    let daemon: InProcessDaemon
    private var serving = true

    init(_ daemon: InProcessDaemon) { self.daemon = daemon }

    func socketPath() throws(DriverError) -> String {
        // Like straitd, the server ends with its frontend: serve again for the next connection.
        if serving && daemon.hasExited() { serving = false }
        if !serving {
            do { try daemon.serve() } catch { throw DriverError(.daemon, "cannot serve again: \(error)") }
            serving = true
        }
        return daemon.socket
    }

    func crashDescription() -> String? { nil }
}

func openFDs() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).sorted()
}

@Suite("straitd under hostile input leaks nothing", .serialized)
struct LeakTests {
    @Test("hostile chains and malformed vhost-user messages leave no fd behind")
    func noFDLeaks() throws {
        let daemon = try InProcessDaemon(mode: .auto(threads: 2, threshold: 3))
        // One clean session first, so lazily created process-wide fds are not counted as leaks.
        let warm = try daemon.connect(queues: 2)
        try warm.initialize()
        warm.close()
        #expect(daemon.waitForExit())
        let before = openFDs()

        let target = InProcessFuzzTarget(daemon)
        let chains = try ChainFuzzer(target: target, seed: 3).run(cases: 80)
        let messages = try MessageFuzzer(target: target, seed: 5).run(cases: 40)
        #expect(chains.findings.isEmpty, "\(chains.findings)")
        #expect(messages.findings.isEmpty, "\(messages.findings)")
        #expect(chains.cases == 80 && messages.cases == 40)
        #expect(daemon.waitForExit() || daemon.hasExited())
        // Worker and pool threads finish asynchronously after the session: give them a moment.
        var after = openFDs()
        for _ in 0..<50 where after.count > before.count {
            usleep(20_000)
            after = openFDs()
        }
        #expect(after.count <= before.count, "fds before \(before.count), after \(after.count)")
    }
}
