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
    }

    let needle: String

    init(run: Run) { needle = Run.prefix + run.id }

    func sample() -> Sample? {
        guard let busy = ProcessUsage.hostBusySeconds() else { return nil }
        let me = getpid()
        // One walk of /proc: the tree, the command lines and the CPU times all come from it.
        let table = ProcessUsage.Table.read(commandLines: true)
        var pids = Set([me] + table.descendants(of: me))
        for p in table.processes(commandLineContaining: needle) { pids.insert(p.pid) }
        // A process of ours that ends moves its CPU time into its parent's cutime when reaped
        // (each ssh client into strait's; the sandbox's serving child into straitd's waiter):
        // every process's reaped children are counted, so the sum never drops when one ends.
        let ours = pids.reduce(0.0) { $0 + table.cpuSeconds(of: $1, includeReapedChildren: true) }
        let kernel = ([2] + table.descendants(of: 2)).reduce(0.0) { $0 + table.cpuSeconds(of: $1, includeReapedChildren: false) }
        return Sample(hostBusy: busy, ours: ours, kernel: kernel, at: monotonicSeconds())
    }

    /// Cores of other work between two samples, averaged; nil when either is missing or the
    /// interval is too short to say.
    /// What one measured step records and says: other work and the kernel's threads.
    struct Reading: Sendable {
        var other: Double?
        var kernel: Double?

        func mark(_ rep: inout Repetition) {
            rep.hostOtherCores = other
            rep.hostKernelCores = kernel
        }

        var note: String { HostDisturbance.note(other, kernel: kernel) }
    }

    /// The reading from `before` to now.
    func reading(since before: Sample?) -> Reading {
        let after = sample()
        return Reading(other: Self.otherCores(from: before, to: after), kernel: Self.kernelCores(from: before, to: after))
    }

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
    static func note(_ cores: Double?, kernel: Double? = nil) -> String {
        var text = ""
        if let cores, cores >= threshold { text += String(format: " [DISTURBED: other work took %.2f host cores]", cores) }
        if let kernel, kernel >= threshold { text += String(format: " [host kernel threads took %.2f cores]", kernel) }
        return text
    }
}
