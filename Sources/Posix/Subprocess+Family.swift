import Glibc

/// What a process's tree was seen to be while it ran, so that when it dies the kernel's record of
/// a seccomp kill can be matched to it by pid: a sandbox's child (the C virtiofsd's, straitd's)
/// is gone by the time anyone asks, so its pid is remembered whenever the tree is listed.
extension Subprocess {
    /// The process and its live descendants now (the process first), remembered with their
    /// executables.
    @discardableResult
    public func tree() -> [pid_t] {
        let pids = [pid] + ProcessUsage.descendants(of: pid)
        let fresh = seenTree.withLock { seen in pids.filter { seen[$0] == nil } }
        let exes = fresh.map { ($0, Self.executable(of: $0)) }
        seenTree.withLock { seen in for (p, exe) in exes where seen[p] == nil { seen[p] = exe } }
        return pids
    }

    /// Every pid the tree was seen with (and its executable, nil when it could not be read).
    public var seenFamily: [pid_t: String?] { seenTree.withLock { $0 } }

    /// The kernel's seccomp kills of this process's tree since it started (`SeccompFinding`):
    /// asked once it has died. kauditd prints its records from a thread of its own, so a log
    /// without one is read again for up to a second (on a loaded host it can lag the death).
    public func seccompFinding() -> SeccompFinding {
        var finding = SeccompFinding.find(tree: seenFamily, from: startedEpochMilliseconds, to: epochMilliseconds())
        for _ in 0..<4 {
            guard case .none(seen: _) = finding.outcome else { break }
            sleep(seconds: 0.25)
            finding = SeccompFinding.find(tree: seenFamily, from: startedEpochMilliseconds, to: epochMilliseconds())
        }
        return finding
    }

    /// /proc/PID/exe (nil when it is gone or unreadable).
    static func executable(of pid: pid_t) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/\(pid)/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
