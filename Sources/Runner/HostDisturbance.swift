import Foundation
import Harness
import Posix
import Results

/// How much of the host's CPU went to work other than this run's while a step was measured:
/// someone's build, another VM, a cron job. On a shared machine that is the largest source of
/// noise there is (session 7: one repetition measured during three parallel `swift build`s read
/// 0.05-0.2x of the others, for every daemon alike), and nothing in the guest's numbers shows it.
/// The run's own processes are strait and its children (ssh clients, daemons, sshd) and every
/// process whose command line names the run (QEMU's `guest=strait-ID-vm0`, the daemons' sockets).
/// The host kernel's threads are apart (`kernelCores`): neither ours nor other work.
struct HostDisturbance: Sendable {
    static var threshold: Double { Repetition.disturbanceThreshold }

    struct Sample: Sendable {
        var hostBusy: Double
        var ours: Double
        /// The kernel's own threads (kthreadd's children: writeback, reclaim, workqueues).
        var kernel: Double
        var at: Double
        /// Interrupt and steal time of the host (`ProcessUsage.HostCPU`): inside `hostBusy`,
        /// charged to no process, so other work that no process shows.
        var interrupts: Double = 0
        var steal: Double = 0
        /// Every other process's CPU seconds (reaped children's included) by pid, with its
        /// program's name: who the other work was, when there is any.
        var others: [pid_t: Other] = [:]
    }

    struct Other: Sendable, Equatable {
        var name: String
        var seconds: Double
    }

    let needle: String

    init(run: Run) { needle = Run.prefix + run.id }

    func sample() -> Sample? {
        guard let host = ProcessUsage.hostCPU() else { return nil }
        let at = monotonicSeconds()
        let me = getpid()
        // One walk of /proc: the tree, the command lines and the CPU times all come from it.
        let table = ProcessUsage.Table.read(commandLines: true)
        var pids = Set([me] + table.descendants(of: me))
        for p in table.processes(commandLineContaining: needle) { pids.insert(p.pid) }
        // A process of ours that ends moves its CPU time into its parent's cutime when reaped
        // (each ssh client into strait's; the sandbox's serving child into straitd's waiter):
        // every process's reaped children are counted, so the sum never drops when one ends.
        let ours = pids.reduce(0.0) { $0 + table.cpuSeconds(of: $1, includeReapedChildren: true) }
        let kernelThreads = Set([2] + table.descendants(of: 2))
        let kernel = kernelThreads.reduce(0.0) { $0 + table.cpuSeconds(of: $1, includeReapedChildren: false) }
        var others: [pid_t: Other] = [:]
        for p in table.pids where !pids.contains(p) && !kernelThreads.contains(p) {
            others[p] = Other(name: table.programName(of: p) ?? "pid \(p)", seconds: table.cpuSeconds(of: p, includeReapedChildren: true))
        }
        return Sample(hostBusy: Self.busySeconds(host, at: at), ours: ours, kernel: kernel, at: at,
                      interrupts: host.interrupts, steal: host.steal, others: others)
    }

    /// The host's busy seconds as a running count: every CPU's time less its idle and iowait
    /// time, which a tickless kernel measures exactly (`ProcessUsage.HostCPU`); the user and
    /// system ticks read -0.12 to +0.27 cores off the processes' own times (measured there).
    /// Differences of two are what counts; the value itself means nothing.
    static func busySeconds(_ host: ProcessUsage.HostCPU, at: Double) -> Double {
        Double(host.cpus) * at - host.idle
    }

    /// What one measured step records and says: other work and the kernel's threads.
    struct Reading: Sendable {
        var other: Double?
        var kernel: Double?
        /// Who the other work was (`sources`), said only when it counts as a disturbance.
        var sources: String = ""

        func mark(_ rep: inout Repetition) {
            rep.hostOtherCores = other
            rep.hostKernelCores = kernel
        }

        var note: String { HostDisturbance.note(other, kernel: kernel, sources: sources) }
    }

    /// The reading from `before` to now.
    func reading(since before: Sample?) -> Reading {
        let after = sample()
        let other = Self.otherCores(from: before, to: after)
        return Reading(other: other, kernel: Self.kernelCores(from: before, to: after),
                       sources: (other ?? 0) >= Self.threshold ? Self.sources(from: before, to: after) : "")
    }

    /// Who took the other work between two samples, largest first, cores each: the programs
    /// (processes of one name summed; a process that ended in between is counted in its
    /// parent's reaped time, or not at all when its parent is gone too), the host's interrupt
    /// and steal time (charged to no process), and what is left unexplained. "swift-build 0.61,
    /// interrupts 0.04": what a reader needs to know whether the step's numbers can be trusted,
    /// and what to stop before the next run.
    static func sources(from a: Sample?, to b: Sample?, top: Int = 3) -> String {
        guard let a, let b, b.at - a.at >= 1 else { return "" }
        let seconds = b.at - a.at
        var byName: [String: Double] = [:]
        for (pid, now) in b.others {
            let before = a.others[pid].map { $0.name == now.name ? $0.seconds : 0 } ?? 0
            if now.seconds > before { byName[now.name, default: 0] += now.seconds - before }
        }
        var parts = byName.map { (name: $0.key, cores: $0.value / seconds) }
        parts.append(("interrupts", max(0, b.interrupts - a.interrupts) / seconds))
        parts.append(("hypervisor steal", max(0, b.steal - a.steal) / seconds))
        let shown = parts.filter { $0.cores >= 0.01 }.sorted { ($0.cores, $1.name) > ($1.cores, $0.name) }.prefix(top)
        let other = otherCores(from: a, to: b) ?? 0
        let unexplained = other - parts.reduce(0) { $0 + $1.cores }
        var text = shown.map { String(format: "%@ %.2f", $0.name, $0.cores) }
        if unexplained >= 0.05 { text.append(String(format: "unexplained %.2f", unexplained)) }
        return text.joined(separator: ", ")
    }

    /// Cores of other work between two samples, averaged; nil when either is missing or the
    /// interval is too short to say.
    /// Kernel threads are not other work: the host writing back what the run itself wrote (its
    /// guest's disk image, the share's files) runs in them, and cannot be told from anyone
    /// else's. They are measured apart (`kernelCores`) and shown, not counted as a disturbance.
    static func otherCores(from a: Sample?, to b: Sample?) -> Double? {
        guard let a, let b, b.at - a.at >= 1 else { return nil }
        let other = (b.hostBusy - a.hostBusy) - (b.ours - a.ours) - (b.kernel - a.kernel)
        return max(0, other / (b.at - a.at))
    }

    /// Cores the host's kernel threads took between two samples; nil as `otherCores`.
    static func kernelCores(from a: Sample?, to b: Sample?) -> Double? {
        guard let a, let b, b.at - a.at >= 1 else { return nil }
        return max(0, (b.kernel - a.kernel) / (b.at - a.at))
    }

    /// The progress line's note, empty below the threshold; kernel threads from the same
    /// threshold, as information.
    static func note(_ cores: Double?, kernel: Double? = nil, sources: String = "") -> String {
        var text = ""
        if let cores, cores >= threshold {
            text += String(format: " [DISTURBED: other work took %.2f host cores", cores) + (sources.isEmpty ? "" : ": " + sources) + "]"
        }
        if let kernel, kernel >= threshold { text += String(format: " [host kernel threads took %.2f cores]", kernel) }
        return text
    }
}
