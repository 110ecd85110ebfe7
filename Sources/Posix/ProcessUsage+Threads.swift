import Glibc

/// What a process tree is doing right now, from /proc: the scheduler state of each process, and
/// for a daemon that stopped answering, where each of its threads waits (kernel stack, wchan).
extension ProcessUsage {
    /// One process's state letter from /proc/PID/stat: R running, S sleeping, D uninterruptible,
    /// T stopped (SIGSTOP), t stopped by a tracer, Z zombie; nil once it is gone.
    public static func state(of pid: pid_t) -> Character? {
        statFields(pid)?.first?.first
    }

    /// The thread ids of a process (/proc/PID/task), ascending.
    public static func threads(of pid: pid_t) -> [pid_t] {
        numericEntries("/proc/\(pid)/task").sorted()
    }

    /// Every thread of every process in `pid`'s tree: its name, state, wchan and kernel stack
    /// (/proc/PID/task/TID/stack needs root; "unreadable" otherwise). Taken before a hung daemon
    /// is killed, for its failure bundle.
    public static func threadReport(ofTree pid: pid_t) -> String {
        var out = ""
        for p in [pid] + descendants(of: pid) {
            let cmdline = readFile("/proc/\(p)/cmdline")?.split(separator: "\0").joined(separator: " ") ?? "?"
            out += "process \(p) state \(state(of: p).map(String.init) ?? "?"): \(cmdline)\n"
            for tid in threads(of: p) {
                let base = "/proc/\(p)/task/\(tid)"
                let comm = readFile(base + "/comm")?.split(separator: "\n").first.map(String.init) ?? "?"
                let state = statFields(file: base + "/stat").flatMap { $0.first.map(String.init) } ?? "?"
                let wchan = readFile(base + "/wchan").map { $0.isEmpty || $0 == "0" ? "-" : $0 } ?? "unreadable"
                out += "  thread \(tid) \(comm) state \(state) wchan \(wchan)\n"
                if let stack = readFile(base + "/stack"), !stack.isEmpty {
                    for line in stack.split(separator: "\n") { out += "    \(line)\n" }
                } else {
                    out += "    (kernel stack unreadable or empty)\n"
                }
            }
        }
        return out
    }
}
