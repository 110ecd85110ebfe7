import Glibc

/// Which seccomp kills in the kernel log were a given daemon's, and what to say about them.
///
/// The match, strictest first: (1) by pid: the record's pid is one the daemon's process tree was
/// seen to have (the spawned process and every descendant sampled while it ran), and the record's
/// executable is the one that pid had; (2) only when no pid matches, by executable and time: a
/// record whose executable is one the tree ran, which is weaker (another instance of the same
/// binary running at the same time would match too) and is said so in the reason. Either way the
/// record's audit time must lie in the daemon's lifetime (from its start, one second early for the
/// coarse audit clock, to the moment its death was seen, plus one second for the log to catch up).
public struct SeccompFinding: Sendable, Equatable {
    public enum Match: String, Sendable, Equatable { case pid, executableAndTime }

    public enum Outcome: Sendable, Equatable {
        /// The daemon's kills, oldest first, and how they were matched.
        case killed([SeccompKill], Match)
        /// The log was read and holds no kill of the daemon's (`seen`: kills of any process in the window).
        case none(seen: Int)
        /// The kernel log could not be read: nothing is known (never guessed).
        case unreadable(String)
    }

    public var outcome: Outcome
    /// What was looked for, for the bundle.
    public var searched: String

    /// What the failure reason gains: "its seccomp filter killed thread 'pool' (pid 4710) on
    /// sched_getaffinity (x86_64 syscall 204) [kernel audit]"; nil when there is nothing to say.
    public var reason: String? {
        guard case let .killed(kills, match) = outcome, let first = kills.first else { return nil }
        // Several threads can make the call before the kill lands: one kill, several records.
        let same = kills.allSatisfy { $0.pid == first.pid && $0.syscall == first.syscall }
        let more = kills.count == 1 ? "" : same ? " (\(kills.count) records: \(kills.count) threads made the call)" : " (and \(kills.count - 1) more kill record(s))"
        switch match {
        case .pid: return first.summary + more + " [kernel audit]"
        case .executableAndTime:
            return first.summary + more + " [kernel audit, matched by executable \(first.exe ?? "?") and time only, not by a pid seen in the daemon's tree]"
        }
    }

    /// The bundle's text: what was searched, the verdict, and the records themselves.
    public var report: String {
        var lines = ["kernel seccomp audit records (type=1326) for the daemon", searched]
        switch outcome {
        case let .killed(kills, match):
            lines.append("matched by \(match == .pid ? "pid" : "executable and time (no pid of the tree matched)"): \(reason ?? "")")
            lines += kills.map { "  " + $0.line }
        case let .none(seen):
            lines.append("none: the kernel log holds no seccomp kill of the daemon's processes (\(seen) of other processes in the window)")
            // kauditd prints a record only when no audit daemon takes it, and under printk's rate limit.
            lines.append("(audit records reach the kernel log only while no audit daemon (auditd) runs, and printk's rate limit can drop some in a burst)")
        case let .unreadable(why):
            lines.append("unknown: the kernel log could not be read (\(why)); a seccomp kill can be neither confirmed nor ruled out")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The decision over parsed records. `tree` maps each pid the daemon's tree was seen with to
    /// its executable (nil: not read); the window is in epoch milliseconds, inclusive.
    public static func attribute(_ kills: [SeccompKill], tree: [Int32: String?], from: Int64, to: Int64) -> Outcome {
        let inWindow = kills.filter { $0.epochMilliseconds >= from - 1000 && $0.epochMilliseconds <= to + 1000 }
        let byPid = inWindow.filter { k in
            guard let seen = tree[k.pid] else { return false }
            // The same binary: compared by its last component, as a sandbox's pivot_root can
            // show its executable's path differently to the kernel and to us.
            guard let exe = seen, let recorded = k.exe else { return true }
            return exe.split(separator: "/").last == recorded.split(separator: "/").last
        }
        if !byPid.isEmpty { return .killed(byPid, .pid) }
        let exes = Set(tree.values.compactMap { $0 })
        let byExe = inWindow.filter { k in k.exe.map { exes.contains($0) } ?? false }
        if !byExe.isEmpty { return .killed(byExe, .executableAndTime) }
        return .none(seen: inWindow.count)
    }

    /// Reads the kernel log and attributes its seccomp kills to a daemon's tree.
    public static func find(tree: [Int32: String?], from: Int64, to: Int64,
                            read: () throws(SystemCallError) -> [String] = { () throws(SystemCallError) in try KernelLog.messages() }) -> SeccompFinding {
        let pids = tree.keys.sorted().map { p in "\(p)" + (tree[p].flatMap { $0 }.map { " (\($0))" } ?? "") }
        let searched = "daemon's tree as seen: pids \(pids.joined(separator: ", ")); window \(seconds(from))...\(seconds(to)) (epoch s)"
        do {
            let kills = try read().compactMap { SeccompKill.parse($0) }
            return SeccompFinding(outcome: attribute(kills, tree: tree, from: from, to: to), searched: searched)
        } catch {
            return SeccompFinding(outcome: .unreadable("\(error)"), searched: searched)
        }
    }
}

/// 1795904151064 -> "1795904151.064", as the audit records write their time.
func seconds(_ milliseconds: Int64) -> String {
    let ms = String(milliseconds % 1000)
    return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - ms.count) + ms
}
