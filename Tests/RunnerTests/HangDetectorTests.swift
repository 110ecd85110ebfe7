import Foundation
import Glibc
import Posix
@testable import Runner
import Testing

/// The decision that a live daemon stopped answering (`HangDetector`), fed samples at chosen
/// moments; the guest's probe is a closure that counts how often it is asked.
struct HangDetectorTests {
    /// Feeds `samples` (time, cpu, stopped) every 0.25 s style; returns the first hang and when.
    final class Guest: @unchecked Sendable {
        var waiting: Int?
        var asked = 0
        init(waiting: Int?) { self.waiting = waiting }
        func read() -> Int? { asked += 1; return waiting }
    }

    func run(_ detector: inout HangDetector, from: Double, to: Double, cpu: (Double) -> Double,
             stopped: (Double) -> (pid: Int32, state: Character)? = { _ in nil }, guest: Guest) -> (String, Double)? {
        var t = from
        while t <= to {
            let sample = HangDetector.Sample(cpuSeconds: cpu(t), stopped: stopped(t), states: "100 S, 101 S")
            if let seen = detector.observe(sample, at: t, guestWaiting: guest.read) { return (seen, t) }
            t += 0.25
        }
        return nil
    }

    @Test func aStoppedProcessIsAHangAfterOneSecondWithoutAskingTheGuest() throws {
        var d = HangDetector()
        let guest = Guest(waiting: 3)
        let found = try #require(run(&d, from: 0, to: 30, cpu: { $0 < 5 ? $0 : 5 },
                                     stopped: { $0 >= 5 ? (101, "T") : nil }, guest: guest))
        #expect(found.1 == 6)
        #expect(found.0 == "process 101 is stopped (state T) for 1.0 s")
        #expect(guest.asked == 0)
        var traced = HangDetector()
        let t = try #require(run(&traced, from: 0, to: 5, cpu: { _ in 1 }, stopped: { _ in (7, "t") }, guest: guest))
        #expect(t.0.contains("stopped by a tracer (state t)"))
    }

    @Test func aStopShorterThanTheHoldIsNotAHang() {
        var d = HangDetector()
        // Stopped for 0.75 s, then running again (a SIGSTOP/SIGCONT pair, a debugger's glance).
        #expect(run(&d, from: 0, to: 20, cpu: { $0 }, stopped: { $0 >= 2 && $0 < 2.75 ? (5, "T") : nil },
                    guest: Guest(waiting: 1)) == nil)
    }

    @Test func quietCPUWithRequestsWaitingTwiceIsAHang() throws {
        var d = HangDetector()
        let guest = Guest(waiting: 2)
        // Busy until t=4, then not one tick more: asked at 14 (quiet 10 s), confirmed at 17.
        let found = try #require(run(&d, from: 0, to: 60, cpu: { min($0, 4) }, guest: guest))
        #expect(found.1 == 17)
        #expect(found.0 == "2 guest task(s) waiting on the share and no CPU time used for 13.0 s (states 100 S, 101 S)")
        #expect(guest.asked == 2)
    }

    @Test func anIdleDaemonWithNothingWaitingIsNeverAHangAndTheGuestIsAskedOncePerQuietStretch() {
        var d = HangDetector()
        let guest = Guest(waiting: 0)
        #expect(run(&d, from: 0, to: 100, cpu: { _ in 1 }, guest: guest) == nil)
        // Asked at 10, 20, ..., 100: once per 10 s of quiet, never at the 0.25 s pace.
        #expect(guest.asked == 10)
    }

    @Test func aDaemonThatUsesCPUIsNeverAskedAbout() {
        var d = HangDetector()
        let guest = Guest(waiting: 5)
        #expect(run(&d, from: 0, to: 100, cpu: { ($0 / 3).rounded(.down) }, guest: guest) == nil)  // one tick every 3 s
        #expect(guest.asked == 0)
    }

    @Test func requestsDrainedBeforeTheConfirmationOrCPUMovingAgainIsNoHang() {
        var drained = HangDetector()
        let guest = Guest(waiting: 1)
        var t = 0.0
        var seen: String?
        while t <= 30 && seen == nil {
            if t >= 12 { guest.waiting = 0 }  // the first read (t=10) saw 1, the confirmation (t=13) sees 0
            seen = drained.observe(.init(cpuSeconds: 1), at: t, guestWaiting: guest.read)
            t += 0.25
        }
        #expect(seen == nil)
        var moved = HangDetector()
        let guest2 = Guest(waiting: 1)
        // Quiet from 0, asked at 10 (waiting), CPU ticks at 11: the confirmation never comes.
        #expect(run(&moved, from: 0, to: 20.9, cpu: { $0 < 11 ? 0 : 0.01 }, guest: guest2) == nil)
        #expect(guest2.asked == 1)
    }

    @Test func aGuestThatCannotSayIsNeverTakenAsAHang() {
        var d = HangDetector()
        let guest = Guest(waiting: nil)
        #expect(run(&d, from: 0, to: 100, cpu: { _ in 2 }, guest: guest) == nil)
        #expect(guest.asked == 10)
    }

    @Test func theReasonNamesTheDaemonTheStateAndTheTime() {
        let hung = WorkloadWatch.blame(.hung("straitd", "process 4711 is stopped (state T) for 1.0 s"),
                                       what: "randread-psync #1", seconds: 9.26)
        #expect(!hung.infrastructure)
        #expect(hung.reason == "straitd stopped answering 9.3 s into randread-psync #1: process 4711 is stopped (state T) for 1.0 s (\(WorkloadWatch.hungEnding))")
        #expect(WorkloadWatch.bystander(hung, cell: "straitd-auto-inline").reason.contains("another share's daemon stopped answering under straitd-auto-inline"))
    }
}

/// The guest's probe of tasks waiting on a share: its answer parsed as hostile input, and the
/// same shell run here (sh and bash) over a made-up /proc.
struct GuestWaitersTests {
    @Test func theAnswerIsOneCount() {
        #expect(GuestWaiters.parse("waiters 0\n") == 0)
        #expect(GuestWaiters.parse("noise\nwaiters 3\n") == 3)
        for bad in ["", "waiters", "waiters -1", "waiters 1 2", "waiters x", "waiters 9999999999", "waiters ١٢", "3"] {
            #expect(GuestWaiters.parse(bad) == nil, "\(bad)")
        }
    }

    /// Tasks: blocked (D) with a file on the share, waiting for AIO (read_events) in a directory
    /// of the share, asleep in a FUSE request's interruptible wait: counted. Sleeping elsewhere
    /// (a timer, a shell waiting for its child) on the share, blocked with a file on /mnt/fs01
    /// (a prefix of another mount) or on /tmp, a name with ") " in it: not.
    @Test(arguments: ["/bin/sh", "/bin/bash"])
    func theShellCountsTasksBlockedOnTheShare(_ shell: String) throws {
        let proc = FileManager.default.temporaryDirectory.appendingPathComponent("guest-proc-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: proc) }
        func task(_ pid: Int, _ tid: Int, stat: String, wchan: String, cwd: String = "/", fds: [String]) throws {
            let dir = "\(proc)/\(pid)/task/\(tid)"
            try FileManager.default.createDirectory(atPath: dir + "/fd", withIntermediateDirectories: true)
            try "\(tid) \(stat) 1 2 3\n".write(toFile: dir + "/stat", atomically: true, encoding: .utf8)
            try wchan.write(toFile: dir + "/wchan", atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: dir + "/cwd", withDestinationPath: cwd)
            for (i, target) in fds.enumerated() { try FileManager.default.createSymbolicLink(atPath: "\(dir)/fd/\(i)", withDestinationPath: target) }
        }
        try task(100, 100, stat: "(fio) D", wchan: "request_wait_answer", fds: ["/dev/null", "/mnt/fs0/randread.0.0"])
        try task(100, 101, stat: "(fio) S", wchan: "read_events", cwd: "/mnt/fs0/dir", fds: [])
        try task(200, 200, stat: "(sleep) S", wchan: "hrtimer_nanosleep", fds: ["/mnt/fs0/x"])
        try task(300, 300, stat: "(a) b) D", wchan: "folio_wait_bit_common", fds: ["/mnt/fs01/x"])
        try task(400, 400, stat: "(tar) D", wchan: "0", fds: ["/tmp/y"])
        try task(500, 500, stat: "(cat) S", wchan: "request_wait_answer", fds: ["/mnt/fs0/z"])
        try task(600, 600, stat: "(bash) S", wchan: "do_wait", cwd: "/mnt/fs0", fds: [])
        let result = try Subprocess.run([shell, "-c", GuestWaiters.command(mountPoint: "/mnt/fs0", proc: proc)], timeout: 20)
        #expect(result.succeeded, "\(result.output)")
        #expect(GuestWaiters.parse(result.output) == 3, "\(result.output)")
        let none = try Subprocess.run([shell, "-c", GuestWaiters.command(mountPoint: "/mnt/fs7", proc: proc)], timeout: 20)
        #expect(GuestWaiters.parse(none.output) == 0, "\(none.output)")
    }
}

struct DaemonLogPathTests {
    @Test func aSecondDaemonOfAShareGetsItsOwnLog() {
        var existing: Set<String> = []
        let first = VMGroupRun.daemonLogPath("/run/s01-daemon") { existing.contains($0) }
        #expect(first.path == "/run/s01-daemon.log" && first.number == 1)
        existing.insert(first.path)
        let second = VMGroupRun.daemonLogPath("/run/s01-daemon") { existing.contains($0) }
        #expect(second.path == "/run/s01-daemon.2.log" && second.number == 2)
        existing.insert(second.path)
        #expect(VMGroupRun.daemonLogPath("/run/s01-daemon") { existing.contains($0) }.path == "/run/s01-daemon.3.log")
    }
}
