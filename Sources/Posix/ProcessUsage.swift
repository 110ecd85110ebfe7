import Glibc

/// CPU time and peak resident memory of a process tree, from /proc/PID/stat and VmHWM.
public struct ProcessUsage: Sendable, Equatable {
    public var cpuSeconds: Double
    /// Sum of VmHWM over the tree's live processes, KiB.
    public var peakRSSKiB: UInt64

    public init(cpuSeconds: Double = 0, peakRSSKiB: UInt64 = 0) {
        self.cpuSeconds = cpuSeconds
        self.peakRSSKiB = peakRSSKiB
    }

    /// CPU seconds (reaped children's included) and peak RSS summed over `pids`: a tree as
    /// `Subprocess.tree()` lists it, so the tree is read from /proc once.
    public static func of(_ pids: [pid_t]) -> ProcessUsage {
        var u = ProcessUsage()
        for p in pids {
            u.cpuSeconds += cpuSeconds(of: p, includeReapedChildren: true)
            u.peakRSSKiB += peakRSS(of: p)
        }
        return u
    }

    /// utime+stime (and cutime+cstime when asked) of one process, seconds.
    public static func cpuSeconds(of pid: pid_t, includeReapedChildren: Bool) -> Double {
        cpuSeconds(fields: statFields(pid), includeReapedChildren: includeReapedChildren)
    }

    /// The same from stat fields already read (`statFields`); 0 without them.
    static func cpuSeconds(fields: [Substring]?, includeReapedChildren: Bool) -> Double {
        guard let fields, fields.count > 14 else { return 0 }
        // After the ")" of comm: state is field 3, so utime (14) is index 11 here.
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let num = { (i: Int) in Double(fields[i]) ?? 0 }
        var t = num(11) + num(12)
        if includeReapedChildren { t += num(13) + num(14) }
        return t / ticks
    }

    /// VmHWM in KiB (0 when the process is gone).
    public static func peakRSS(of pid: pid_t) -> UInt64 {
        guard let status = readFile("/proc/\(pid)/status") else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return UInt64(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    /// Every live descendant of `pid`, found through the parent links in /proc.
    public static func descendants(of pid: pid_t) -> [pid_t] {
        Table.read().descendants(of: pid)
    }

    /// The entries of a /proc directory named by a number (pids in /proc, thread ids in
    /// /proc/PID/task), in directory order; empty when it cannot be read.
    static func numericEntries(_ path: String) -> [pid_t] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [pid_t] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let n = pid_t(name) { out.append(n) }
        }
        return out
    }

    /// Fields of /proc/PID/stat after the command name (state first).
    static func statFields(_ pid: pid_t) -> [Substring]? {
        statFields(file: "/proc/\(pid)/stat")
    }

    /// The same for any stat file (a thread's: /proc/PID/task/TID/stat).
    static func statFields(file: String) -> [Substring]? {
        guard let text = readFile(file), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// A whole small file as text (procfs files report size 0, so read until EOF).
    public static func readFile(_ path: String) -> String? {
        readWholeFile(path).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension ProcessUsage {
    /// The host's CPU time: busy (sampled at the tick), idle (with iowait), the parts of busy no
    /// process is charged with (interrupts: irq and softirq time, which the kernel accounts to the
    /// CPU, not to the task it interrupted; steal: the hypervisor ran something else on the vCPU),
    /// all in seconds summed over CPUs, and how many CPUs are online.
    ///
    /// On a tickless kernel (NO_HZ_IDLE, this host's) idle and iowait are measured exactly, while
    /// user and system are counted a tick at a time: busy read as `cpus` x elapsed - idle is the
    /// one that agrees with the processes' own times (`HostDisturbance` uses it). Measured here
    /// over 214 intervals of 4-5 s while TCG VMs ran: busy so read less every process's CPU
    /// summed was within 0.05 cores in 209 and 0.22 at most; the tick-counted busy was off by
    /// -0.12 to +0.27, beyond 0.05 in 43, and with idle it summed to 1.85-2.13 CPUs of 2.
    public struct HostCPU: Sendable, Equatable {
        public var busy: Double
        public var idle: Double = 0
        public var interrupts: Double
        public var steal: Double
        public var cpus = 1

        public init(busy: Double, idle: Double = 0, interrupts: Double, steal: Double, cpus: Int = 1) {
            self.busy = busy
            self.idle = idle
            self.interrupts = interrupts
            self.steal = steal
            self.cpus = cpus
        }
    }

    /// /proc/stat as `HostCPU`; nil when unreadable.
    public static func hostCPU() -> HostCPU? {
        guard let text = readFile("/proc/stat") else { return nil }
        let lines = text.split(separator: "\n")
        guard let line = lines.first, line.hasPrefix("cpu "), var cpu = hostCPU(cpuLine: line) else { return nil }
        cpu.cpus = max(1, lines.filter { $0.hasPrefix("cpu") && $0.dropFirst(3).first?.isNumber == true }.count)
        return cpu
    }

    /// Parses a "cpu  user nice system idle iowait irq softirq steal ..." line.
    static func hostCPU(cpuLine: Substring) -> HostCPU? {
        let f = cpuLine.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard f.count >= 8 else { return nil }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return HostCPU(busy: (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / hz, idle: (f[3] + f[4]) / hz,
                       interrupts: (f[5] + f[6]) / hz, steal: f[7] / hz)
    }
}
