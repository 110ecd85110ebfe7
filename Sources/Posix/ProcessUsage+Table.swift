import Glibc

extension ProcessUsage {
    /// One walk of /proc with each process's stat read once (and its command line, when asked):
    /// its parent, its CPU times. Whoever needs several of a tree, CPU seconds and command-line
    /// matches at one moment (the runner's disturbance sample, every 0.25-2 s of a measured step)
    /// reads them here instead of walking /proc once per question and reading each stat again.
    public struct Table: Sendable {
        struct Entry: Sendable {
            var fields: [Substring]?
            /// argv joined by spaces (NULs as spaces), when read.
            var commandLine: String?
        }

        /// Pids in /proc's directory order, and what was read of each.
        let order: [pid_t]
        let entries: [pid_t: Entry]

        /// Reads every numbered entry of /proc: its stat, and its cmdline with `commandLines`.
        public static func read(commandLines: Bool = false) -> Table {
            var order: [pid_t] = []
            var entries: [pid_t: Entry] = [:]
            for p in ProcessUsage.numericEntries("/proc") {
                let cmdline = commandLines ? readWholeFile("/proc/\(p)/cmdline").map {
                    String(decoding: $0.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
                } : nil
                order.append(p)
                entries[p] = Entry(fields: ProcessUsage.statFields(p), commandLine: cmdline)
            }
            return Table(order: order, entries: entries)
        }

        /// Every descendant of `pid` through the parent links read (breadth first).
        public func descendants(of pid: pid_t) -> [pid_t] {
            var parent: [pid_t: pid_t] = [:]
            for (p, e) in entries {
                guard let f = e.fields, f.count > 1, let pp = pid_t(f[1]) else { continue }
                parent[p] = pp
            }
            var out: [pid_t] = []
            var frontier: Set<pid_t> = [pid]
            while !frontier.isEmpty {
                let next = parent.filter { frontier.contains($0.value) }.map(\.key)
                out += next
                frontier = Set(next)
            }
            return out
        }

        /// Processes whose command line contains `needle` (read with `commandLines` only), with
        /// that command line, in /proc's order.
        public func processes(commandLineContaining needle: String) -> [(pid: pid_t, cmdline: String)] {
            order.compactMap { p in
                guard let line = entries[p]?.commandLine, line.contains(needle) else { return nil }
                return (p, line)
            }
        }

        /// Every pid read, in /proc's order.
        public var pids: [pid_t] { order }

        /// The program's name for a report: its argv[0]'s last path component (read with
        /// `commandLines` only), nil when not read or empty (a kernel thread, a zombie). A program
        /// run through the dynamic loader (the QEMU of a private root: `ld-linux-x86-64.so.2
        /// --library-path DIR .../qemu-system-x86_64`) is named by the program, not the loader.
        public func programName(of pid: pid_t) -> String? {
            guard let line = entries[pid]?.commandLine else { return nil }
            var words = line.split(separator: " ")[...]
            guard let first = words.popFirst() else { return nil }
            var program = first
            if first.split(separator: "/").last?.hasPrefix("ld-linux") == true {
                while let w = words.popFirst() {
                    if w.hasPrefix("--") { _ = words.popFirst(); continue }  // the loader's option and its value
                    program = w
                    break
                }
            }
            return program.split(separator: "/").last.map(String.init)
        }

        /// utime+stime (and cutime+cstime when asked) as read, seconds; 0 for a pid not read.
        public func cpuSeconds(of pid: pid_t, includeReapedChildren: Bool) -> Double {
            ProcessUsage.cpuSeconds(fields: entries[pid]?.fields, includeReapedChildren: includeReapedChildren)
        }
    }
}
