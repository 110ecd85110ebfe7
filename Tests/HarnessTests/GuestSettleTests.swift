import Foundation
import GuestImage
@testable import Harness
import Testing

struct GuestSettleTests {
    @Test func theLastSettleLineIsTheAnswer() {
        let out = "noise\nsettle running 7 12.5 0.0412\n"
        let s = GuestSettle.parse(out)
        #expect(s == GuestSettle(systemState: "running", timersStopped: 7, seconds: 12.5, busy: 0.0412, quiet: true))
        #expect(s?.summary.hasPrefix("guest settled: systemd running, 7 timer(s) stopped, 12 s") == true)
        let busy = GuestSettle.parse("settle degraded 0 90.3 0.6100")
        #expect(busy?.quiet == false)
        #expect(busy?.summary.contains("WARNING guest not quiet") == true)
        #expect(busy?.summary.contains("61% busy") == true)
        #expect(GuestSettle.parse("settle running x 1 0.1") == nil)
        #expect(GuestSettle.parse("nothing here") == nil)
    }

    /// The script itself, run by the host's shell (timers left alone): it ends within its
    /// limit, even on a machine that is never quiet, and says what it saw.
    @Test func theScriptEndsWithinItsLimitAndReportsTheCPUs() throws {
        let started = Date()
        let output = try HostCommand("sh", ["-c", GuestSettle.script(limit: 3, stopTimers: false, quietBusy: 0, window: 1)]).check(timeout: 60)
        let elapsed = Date().timeIntervalSince(started)
        let s = try #require(GuestSettle.parse(output, quietBusy: 0), "script output: \(output)")
        #expect(!s.systemState.isEmpty)
        #expect(s.busy >= 0 && s.busy <= 1)
        #expect(!s.quiet, "a threshold of 0 is never met")
        #expect(s.seconds >= 3 && elapsed < 20, "limit 3 s: waited \(s.seconds) s, took \(elapsed) s")
    }

    /// A threshold every machine meets ends the wait after one window.
    @Test func theScriptStopsAtTheFirstQuietWindow() throws {
        let output = try HostCommand("sh", ["-c", GuestSettle.script(limit: 30, stopTimers: false, quietBusy: 1.01, window: 1)]).check(timeout: 60)
        let s = try #require(GuestSettle.parse(output, quietBusy: 1.01), "script output: \(output)")
        #expect(s.quiet)
        #expect(s.seconds < 10, "stopped at the first quiet window, not at the limit: \(s.seconds) s")
    }
}
