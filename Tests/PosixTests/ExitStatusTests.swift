import Foundation
import Glibc
@testable import Posix
import Testing

/// A signal's end says whether the kernel wrote a core: the runner's failure text for a daemon
/// that crashed ("straitd killed by signal 11 (SIGSEGV), core dumped 5.0 s into ...") comes from
/// this description, and so does `stop`'s ending when the daemon died before it was stopped.
struct ExitStatusTests {
    @Test func theWaitStatusCoreFlagIsKept() {
        // SIGSEGV with the core flag (0x80), SIGKILL without, an exit.
        #expect(Subprocess.ExitStatus(waitStatus: 0x8b) == .signalled(SIGSEGV, coreDumped: true))
        #expect(Subprocess.ExitStatus(waitStatus: 0x09) == .signalled(SIGKILL))
        #expect(Subprocess.ExitStatus(waitStatus: 0x0300) == .exited(3))
        #expect(Subprocess.ExitStatus(waitStatus: 0x8b).description == "killed by signal 11 (SIGSEGV), core dumped")
        #expect(Subprocess.ExitStatus(waitStatus: 0x8b).signal == SIGSEGV)
        #expect(Subprocess.ExitStatus.exited(0).signal == nil)
        #expect(Subprocess.Ending(.signalled(SIGABRT, coreDumped: true)).description == "terminated by signal 6 (SIGABRT), core dumped")
        #expect(Subprocess.Ending(.signalled(SIGTERM)).description == "terminated by signal 15 (SIGTERM)")
    }

    /// A real crash with cores allowed: the status read by the supervisor says so. Where the
    /// kernel writes cores relative to the crashing process (core_pattern without a slash, this
    /// host's `core`) the core lands in the scratch directory and the flag must be set; elsewhere
    /// (a pipe to systemd-coredump, an absolute path) the description must still match the flag.
    @Test func aProcessThatDumpedCoreSaysSo() throws {
        let dir = NSTemporaryDirectory() + "strait-core-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try Subprocess(arguments: ["sh", "-c", "cd \(dir) && ulimit -c unlimited && kill -SEGV $$"])
        #expect(p.waitForExit(timeout: 20))
        #expect(p.status?.signal == SIGSEGV)
        #expect(p.exitDescription == "killed by signal 11 (SIGSEGV)" + (p.coreDumped ? ", core dumped" : ""))
        let pattern = ProcessUsage.readFile("/proc/sys/kernel/core_pattern")?.trimmingCharacters() ?? ""
        if !pattern.contains("/") && !pattern.hasPrefix("|") {
            let cores = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.filter { $0.hasPrefix("core") } ?? []
            #expect(p.coreDumped && !cores.isEmpty, "core_pattern '\(pattern)': flag \(p.coreDumped), files \(cores)")
        }
    }
}
