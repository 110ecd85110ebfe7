import Glibc
import Synchronization

/// A process that SIGKILL does not end: frozen by a cgroup freezer (v1's freezer keeps a frozen
/// task in the refrigerator, SIGKILL pending, until it is thawed) or in uninterruptible sleep
/// (a hung mount, a device). Waiting for it would hang the runner's teardown forever, with the
/// VM, the other daemons and their sockets still there; so `stop` gives up after a bounded wait,
/// says so (pid, state, the cgroup to thaw) and the teardown goes on.
///
/// Nothing is leaked silently: the SIGKILL stays pending, so the process dies the moment it is
/// thawed or its sleep ends (of the SIGTERM or the SIGKILL, whichever the kernel delivers first:
/// a v1-frozen one reported SIGTERM here); a thread of this process waits for that (waitid without reaping,
/// then the same reaping as `status`), so it is not left a zombie and `status` reads its real
/// end. What stays until then is that one blocked thread (no descriptor). If this process exits
/// first, the survivor is re-parented to init (or the nearest subreaper), which reaps it.
extension Subprocess {
    func survived(killWait: Double) -> Ending {
        let message = "\(name) pid \(pid) did not exit within \(Self.seconds(killWait)) of SIGKILL: "
            + Self.whereStuck(pid)
            + "; teardown goes on without it (it dies of the signals pending for it once it can run; this process reaps it then)"
        reaping.reapWhenEnded(pid)
        let line = Array("strait: WARNING: \(message)\n".utf8)
        Self.writeAll(2, line)
        return .unkillable(message)
    }

    /// Its state, kernel wait channel and the freezer that holds it, with what to do about it.
    public static func whereStuck(_ pid: pid_t) -> String {
        let status = ProcessUsage.readFile("/proc/\(pid)/status") ?? ""
        let state = status.split(separator: "\n").first { $0.hasPrefix("State:") }
            .map { $0.dropFirst("State:".count).trimmingCharacters() } ?? "unknown"
        var parts = ["state \(state)"]
        if let wchan = ProcessUsage.readFile("/proc/\(pid)/wchan"), !wchan.isEmpty, wchan != "0" {
            parts.append("waiting in \(wchan)")
        }
        if let freezer = frozenBy(pid) {
            parts.append("its cgroup is frozen (\(freezer.file) reads \(freezer.reads)): thaw it with `echo \(freezer.thaw) > \(freezer.file)`"
                + " (or thaw the ancestor cgroup that froze it)")
        } else {
            parts.append("no cgroup freezer holds it: it is blocked in the kernel (see /proc/\(pid)/stack; a hung mount or device)")
        }
        return parts.joined(separator: ", ")
    }

    /// The freezer file of a frozen cgroup holding `pid` (v1 freezer.state FROZEN/FREEZING, or v2
    /// cgroup.events `frozen 1`), nil when none does or /proc cannot say.
    static func frozenBy(_ pid: pid_t) -> (file: String, reads: String, thaw: String)? {
        guard let text = ProcessUsage.readFile("/proc/\(pid)/cgroup") else { return nil }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { continue }
            let path = f[2] == "/" ? "" : String(f[2])
            if f[1].split(separator: ",").contains("freezer") {
                let file = "/sys/fs/cgroup/freezer\(path)/freezer.state"
                if let reads = ProcessUsage.readFile(file)?.trimmingCharacters(), reads == "FROZEN" || reads == "FREEZING" {
                    return (file, reads, "THAWED")
                }
            } else if f[0] == "0" && f[1].isEmpty {
                // v2: /sys/fs/cgroup itself on a unified host, /sys/fs/cgroup/unified on a hybrid one.
                let root = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified"
                let events = ProcessUsage.readFile("\(root)\(path)/cgroup.events") ?? ""
                if events.split(separator: "\n").contains("frozen 1") {
                    return ("\(root)\(path)/cgroup.freeze", "1", "0")
                }
            }
        }
        return nil
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}

/// A process's wait status once reaped, by `status` (WNOHANG, under the lock) or, for one that
/// outlived `stop`, by the reaper thread (which only waits for the end and then reaps the same
/// way, so the two never race for the status).
final class Reaping: Sendable {
    private let raw = Mutex<Int32?>(nil)

    /// Reaps without blocking; the raw wait status once it has ended, nil while it runs.
    func poll(_ pid: pid_t) -> Int32? {
        raw.withLock { s -> Int32? in
            if let s { return s }
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                s = status
            } else if r < 0 && errno == ECHILD {
                s = 0  // reaped elsewhere: gone, status unknown
            }
            return s
        }
    }

    /// A detached thread that blocks until `pid` has ended (waitid WNOWAIT leaves it to reap),
    /// then reaps it with `poll`.
    func reapWhenEnded(_ pid: pid_t) {
        PosixThread.start(name: "reap-\(pid)", stackSize: 64 * 1024) { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            _ = poll(pid)
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing blanks (Foundation's trimmingCharacters, which Posix does not import).
    func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\n" }.reversed())
    }
}
