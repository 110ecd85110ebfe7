import Glibc
@testable import Posix
import Testing

/// `stop` returns whatever the child does: one that ignores SIGTERM (stopped) is killed after the
/// grace; one that SIGKILL cannot end (frozen by a cgroup v1 freezer, the real thing) is reported
/// with its pid, state and the file to thaw, and reaped once it is thawed, not waited for forever.
@Suite(.serialized)
struct SubprocessUnkillableTests {
    @Test func stoppedChildIsKilledAfterTheGrace() throws {
        let p = try Subprocess(arguments: ["sleep", "30"])
        #expect(kill(p.pid, SIGSTOP) == 0)
        let start = monotonicSeconds()
        #expect(p.stop(grace: 0.3, killWait: 5) == .killed)
        #expect(monotonicSeconds() - start < 5)
        #expect(p.status == .signalled(SIGKILL))
    }

    @Test(.enabled(if: FreezerCgroup.available, FreezerCgroup.unavailableReason))
    func frozenChildIsReportedNotWaitedFor() throws {
        let p = try Subprocess(name: "frozen-sleep", arguments: ["sleep", "60"])
        let cgroup = try FreezerCgroup(holding: p.pid)
        defer { cgroup.remove() }
        try cgroup.freeze()
        let start = monotonicSeconds()
        let ending = p.stop(grace: 0.2, killWait: 0.5)
        let took = monotonicSeconds() - start
        #expect(took < 10, "stop took \(took) s")
        guard case let .unkillable(message) = ending else {
            Issue.record("a frozen child ended \(ending)")
            return
        }
        #expect(message.contains("frozen-sleep pid \(p.pid) did not exit within 0.5 s of SIGKILL"), "\(message)")
        #expect(message.contains("state D (disk sleep)"), "\(message)")
        #expect(message.contains("echo THAWED > \(cgroup.path)/freezer.state"), "\(message)")
        #expect(p.isAlive, "frozen, so not reaped")
        #expect(p.stop() == ending, "a second stop gives the first answer while it is still frozen")
        // Thawed, it dies of its pending signals and the reaper thread reaps it: no zombie left.
        cgroup.thaw()
        let deadline = monotonicSeconds() + 10
        while access("/proc/\(p.pid)", F_OK) == 0 && monotonicSeconds() < deadline { usleep(10_000) }
        #expect(access("/proc/\(p.pid)", F_OK) != 0, "pid \(p.pid) still in /proc (a zombie nobody reaped?)")
        // Both signals were pending; the kernel delivers one of them (SIGTERM, on 6.18 here).
        let status = try #require(p.status)
        #expect(status == .signalled(SIGKILL) || status == .signalled(SIGTERM), "\(status)")
        #expect(p.stop() == Subprocess.Ending(status), "once it has ended, stop says how")
    }

    /// `run` on a command that freezes itself: the deadline's stop returns, and the completion says
    /// it is still there instead of reading as a clean exit.
    @Test(.enabled(if: FreezerCgroup.available, FreezerCgroup.unavailableReason))
    func runOfAFrozenCommandReturnsAndSaysSo() throws {
        let cgroup = try FreezerCgroup(holding: nil)
        defer { cgroup.remove() }
        let start = monotonicSeconds()
        let done = try Subprocess.run([
            "sh", "-c", "echo $$ > \(cgroup.path)/tasks && echo started && echo FROZEN > \(cgroup.path)/freezer.state; sleep 60",
        ], timeout: 1)
        let took = monotonicSeconds() - start
        #expect(took < 20, "run took \(took) s")
        #expect(done.timedOut)
        #expect(!done.succeeded)
        #expect(done.status == .signalled(SIGKILL))
        #expect(done.stillRunning?.contains("did not exit within 5 s of SIGKILL") == true, "\(done.stillRunning ?? "nil")")
        #expect(done.output.hasPrefix("started"))
        cgroup.thaw()
    }
}

/// A cgroup v1 freezer group of its own: v1's freezer holds a task in the refrigerator with
/// SIGKILL pending until it is thawed (v2's cgroup.freeze lets a fatal signal through, so it
/// cannot stand for a process that will not die).
struct FreezerCgroup {
    static let root = "/sys/fs/cgroup/freezer"
    static var available: Bool { geteuid() == 0 && access(root + "/tasks", W_OK) == 0 }
    static let unavailableReason: Comment = "needs root and a cgroup v1 freezer hierarchy at /sys/fs/cgroup/freezer (cgroup v2's freezer lets SIGKILL through)"

    let path: String

    init(holding pid: pid_t?) throws {
        path = "\(Self.root)/strait-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(path, 0o755) == 0 else { throw SystemCallError("mkdir \(path)") }
        if let pid { try write("\(pid)", to: "tasks") }
    }

    func freeze() throws {
        try write("FROZEN", to: "freezer.state")
        let deadline = monotonicSeconds() + 10
        while ProcessUsage.readFile(path + "/freezer.state")?.hasPrefix("FROZEN") != true && monotonicSeconds() < deadline {
            usleep(10_000)
        }
    }

    func thaw() { try? write("THAWED", to: "freezer.state") }

    /// Thaws (the SIGKILLs pending inside take effect), then removes the group once it is empty.
    func remove() {
        thaw()
        let deadline = monotonicSeconds() + 10
        while rmdir(path) != 0 && monotonicSeconds() < deadline { usleep(20_000) }
    }

    private func write(_ text: String, to file: String) throws {
        let fd = open(path + "/" + file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemCallError("open \(path)/\(file)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw SystemCallError("write \(path)/\(file)")
        }
    }
}
