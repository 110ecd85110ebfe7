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
struct HostDisturbance: Sendable {
    static var threshold: Double { Repetition.disturbanceThreshold }

    struct Sample: Sendable {
        var hostBusy: Double
        var ours: Double
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
        // Children reaped during the step (each ssh client) are in strait's own cutime: counted once.
        let ours = pids.reduce(0.0) { $0 + table.cpuSeconds(of: $1, includeReapedChildren: $1 == me) }
        return Sample(hostBusy: busy, ours: ours, at: monotonicSeconds())
    }

    /// Cores of other work between two samples, averaged; nil when either is missing or the
    /// interval is too short to say.
    static func otherCores(from a: Sample?, to b: Sample?) -> Double? {
        guard let a, let b, b.at - a.at >= 1 else { return nil }
        let other = (b.hostBusy - a.hostBusy) - (b.ours - a.ours)
        return max(0, other / (b.at - a.at))
    }

    /// The progress line's note, empty below the threshold.
    static func note(_ cores: Double?) -> String {
        guard let cores, cores >= threshold else { return "" }
        return String(format: " [DISTURBED: other work took %.2f host cores]", cores)
    }
}
