import CShims
import Glibc
@testable import Posix
import Testing

/// Kernel audit records of seccomp kills: parsed from lines taken from this host's `dmesg`, matched
/// to a daemon's tree, and (the real test) read back from /dev/kmsg after straitd's own filter
/// killed a child.
struct SeccompKillTests {
    /// The C virtiofsd 7.2 pool thread's death (session 8, `dmesg` on the CI host).
    static let pool = #"audit: type=1326 audit(1795901659.921:4905): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=4710 comm="pool" exe="/opt/virtiofs-peers/c/usr/lib/qemu/virtiofsd" sig=31 arch=c000003e syscall=204 compat=0 ip=0x7f2d1c51c2eb code=0x80000000"#
    /// The Rust virtiofsd, run through its private root's loader (so that is its exe).
    static let vring = #"audit: type=1326 audit(1795900053.081:4904): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=30868 comm="vring_worker" exe="/opt/virtiofs-peers/rust/root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" sig=31 arch=c000003e syscall=79 compat=0 ip=0x7f8ade9f1b0c code=0x80000000"#

    @Test func parsesRealRecords() throws {
        let k = try #require(SeccompKill.parse(Self.pool))
        #expect(k.epochMilliseconds == 1_795_901_659_921 && k.serial == 4905)
        #expect(k.pid == 4710 && k.comm == "pool" && k.exe == "/opt/virtiofs-peers/c/usr/lib/qemu/virtiofsd")
        #expect(k.arch == SeccompKill.archX86_64 && k.syscall == 204 && k.killsProcess)
        #expect(k.summary == "its seccomp filter killed thread 'pool' (pid 4710) on sched_getaffinity (x86_64 syscall 204)")
        let r = try #require(SeccompKill.parse(Self.vring))
        #expect(r.syscallDescription == "getcwd (x86_64 syscall 79)" && r.comm == "vring_worker")
        // auditd's log has no "audit: " prefix.
        #expect(SeccompKill.parse(Self.pool.dropFirst(7)) == SeccompKill(
            epochMilliseconds: k.epochMilliseconds, serial: k.serial, pid: k.pid, comm: k.comm, exe: k.exe, arch: k.arch,
            syscall: k.syscall, code: k.code, line: String(Self.pool.dropFirst(7))))
    }

    @Test func otherActionsArchitecturesAndEncodings() throws {
        // SECCOMP_RET_LOG and _ERRNO records are not kills; other record types are not seccomp.
        #expect(SeccompKill.parse(Self.pool.replacingOccurrences("code=0x80000000", "code=0x7ffc0000")) == nil)
        #expect(SeccompKill.parse(Self.pool.replacingOccurrences("code=0x80000000", "code=0x00050001")) == nil)
        #expect(SeccompKill.parse(Self.pool.replacingOccurrences("type=1326", "type=1400")) == nil)
        #expect(SeccompKill.parse("audit: type=1326 audit(garbage): pid=1") == nil)
        #expect(SeccompKill.parse("usb 1-1: new device") == nil)
        let thread = try #require(SeccompKill.parse(Self.pool.replacingOccurrences("code=0x80000000", "code=0x00000000")))
        #expect(!thread.killsProcess)
        #expect(thread.summary.hasPrefix("its seccomp filter killed thread 'pool' of pid 4710 (that thread only)"))
        let i386 = try #require(SeccompKill.parse(Self.pool.replacingOccurrences("arch=c000003e", "arch=40000003")))
        #expect(i386.syscallDescription == "syscall 204 (audit arch 0x40000003)")
        // A name with a space or control character is logged as hex; control characters become '?'.
        let hex = try #require(SeccompKill.parse(Self.pool.replacingOccurrences(#"comm="pool""#, "comm=706F6F6C20310A")))
        #expect(hex.comm == "pool 1?")
        #expect(SeccompKill.x86_64Names[999] == nil)
        let unnamed = try #require(SeccompKill.parse(Self.pool.replacingOccurrences("syscall=204", "syscall=999")))
        #expect(unnamed.syscallDescription == "x86_64 syscall 999")
    }

    @Test func matchesByPidThenByExecutableAndTimeNeverOutsideTheWindow() throws {
        let pool = try #require(SeccompKill.parse(Self.pool))
        let vring = try #require(SeccompKill.parse(Self.vring))
        let t = pool.epochMilliseconds
        let cExe = "/opt/virtiofs-peers/c/usr/lib/qemu/virtiofsd"
        // The sandbox's child was seen: matched by pid, the Rust daemon's record left alone.
        #expect(SeccompFinding.attribute([vring, pool], tree: [4709: cExe, 4710: cExe], from: t - 5000, to: t + 10) == .killed([pool], .pid))
        // The pid seen ran another program: a reused pid, not ours.
        #expect(SeccompFinding.attribute([pool], tree: [4710: "/usr/bin/sleep"], from: t - 5000, to: t) == .none(seen: 1))
        // The child was never seen: only the executable and the time say it was ours.
        #expect(SeccompFinding.attribute([pool], tree: [4709: cExe], from: t - 5000, to: t) == .killed([pool], .executableAndTime))
        // Outside the daemon's lifetime (beyond the one second of slack): not its kill.
        #expect(SeccompFinding.attribute([pool], tree: [4710: cExe], from: t + 1001, to: t + 9000) == .none(seen: 0))
        #expect(SeccompFinding.attribute([pool], tree: [4710: cExe], from: t - 9000, to: t - 1001) == .none(seen: 0))
        // Another daemon's executable: not ours, by pid or by exe.
        #expect(SeccompFinding.attribute([vring], tree: [4709: cExe], from: vring.epochMilliseconds - 10, to: vring.epochMilliseconds) == .none(seen: 1))
    }

    @Test func reasonAndBundleSayWhatWasFound() throws {
        let pool = try #require(SeccompKill.parse(Self.pool))
        let t = pool.epochMilliseconds
        let byPid = SeccompFinding.find(tree: [4710: "/x/virtiofsd"], from: t - 100, to: t, read: { [Self.vring, Self.pool] })
        #expect(byPid.reason == "its seccomp filter killed thread 'pool' (pid 4710) on sched_getaffinity (x86_64 syscall 204) [kernel audit]")
        #expect(byPid.report.contains(Self.pool))
        let twice = SeccompFinding.find(tree: [4710: nil], from: t - 100, to: t, read: { [Self.pool, Self.pool.replacingOccurrences(":4905)", ":4906)")] })
        #expect(twice.reason?.contains("(x86_64 syscall 204) (2 records: 2 threads made the call) [kernel audit]") == true)
        #expect(byPid.report.contains("window 1795901659.821...1795901659.921 (epoch s)"))
        #expect(seconds(1_795_904_151_064) == "1795904151.064")
        let byExe = SeccompFinding.find(tree: [1: "/opt/virtiofs-peers/c/usr/lib/qemu/virtiofsd"], from: t - 100, to: t, read: { [Self.pool] })
        #expect(byExe.reason?.contains("matched by executable /opt/virtiofs-peers/c/usr/lib/qemu/virtiofsd and time only") == true)
        let unreadable = SeccompFinding.find(tree: [1: nil], from: t, to: t, read: { () throws(SystemCallError) -> [String] in
            throw SystemCallError("open /dev/kmsg", errno: EPERM)
        })
        #expect(unreadable.reason == nil)
        #expect(unreadable.report.contains("could not be read (open /dev/kmsg: Operation not permitted)"))
        let none = SeccompFinding.find(tree: [1: nil], from: t, to: t, read: { [Self.vring] })
        #expect(none.reason == nil && none.report.contains("none:"))
    }

    /// The real thing: straitd's own filter (kill-process action) kills a child on a system call
    /// outside its allowlist; the kernel's audit record is read back from /dev/kmsg and names the
    /// child and the call. An unreadable kernel log fails this test (CI runs as root).
    @Test func readsBackARealKillFromTheKernelLog() throws {
        let uname = 63  // x86_64
        #expect(!(0..<strait_seccomp_allowlist_count()).map { strait_seccomp_allowlist_entry($0) }.contains(uname))
        let from = epochMilliseconds()
        let pid = strait_spawn_seccomp_victim(uname)
        try #require(pid > 0)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        #expect(status & 0x7f == SIGSYS, "wait status \(status)")
        // kauditd prints the record on its own thread: give it a moment.
        var finding = SeccompFinding.find(tree: [pid: nil], from: from, to: epochMilliseconds())
        let deadline = monotonicSeconds() + 5
        while case .none(seen: _) = finding.outcome, monotonicSeconds() < deadline {
            sleep(seconds: 0.1)
            finding = SeccompFinding.find(tree: [pid: nil], from: from, to: epochMilliseconds())
        }
        guard case let .killed(kills, match) = finding.outcome else {
            Issue.record("no kill found: \(finding.report)")
            return
        }
        #expect(match == .pid && kills.count == 1)
        #expect(kills.first?.comm == "strait-victim" && kills.first?.syscall == uname)
        #expect(finding.reason == "its seccomp filter killed thread 'strait-victim' (pid \(pid)) on uname (x86_64 syscall 63) [kernel audit]")
    }

    @Test func aSubprocessRemembersItsTree() throws {
        let p = try Subprocess(arguments: ["sh", "-c", "sleep 30 & wait"])
        defer { p.stop(grace: 0.5) }
        let deadline = monotonicSeconds() + 5
        while p.tree().count < 2, monotonicSeconds() < deadline { sleep(seconds: 0.02) }
        let seen = p.seenFamily
        #expect(seen[p.pid] == "/usr/bin/dash")
        #expect(seen.values.contains("/usr/bin/sleep"), "\(seen)")
        p.stop(grace: 0.5)
        // Gone, still remembered.
        #expect(p.seenFamily == seen)
    }
}

private extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            out += String(rest[..<r.lowerBound])
            out += b
            rest = rest[r.upperBound...]
        }
        return out + String(rest)
    }
}
