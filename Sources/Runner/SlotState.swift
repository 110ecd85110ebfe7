import Foundation
import Harness
import Matrix
import Results
import Stats

/// What one share (cell x variant) has come to so far: its daemon, whether it is mounted and
/// checked, every repetition measured, and the first failure. Used from the runner's thread only.
final class SlotState {
    let slot: ShareSlot
    let hostDir: String
    var daemon: ShareDaemon?
    var prepared = false
    var mountLine = ""
    /// The guest answered `GuestWaiters` at the mount (shares with a daemon), for `HangDetector`.
    var guestProbe = false
    var skip: String?
    /// Why the cell's daemon cannot do what the cell asks (a peer with DAX): a verdict, not a skip.
    var unsupported: String?
    /// The VMM the cell runs on ("QEMU 1:11.1.3+ds-1~bpo13+1"), recorded with its result.
    var vmm: String?
    /// A DAX cell's window evidence, filled by the configuration check and after the workloads.
    var dax: DaxEvidence?
    /// The guest image, recorded with the result.
    var image: String?
    /// The request queues and their use, recorded with the result.
    var queues: QueueUse?
    var failure: String?
    /// The failure was the machine's (`BootFailure`), not the daemon's.
    var infrastructure = false
    var bundle: String?
    /// Workload results in matrix order.
    var workloads: [WorkloadResult]
    var verification: Verification?
    /// Files worth keeping in a failure bundle (name -> host path).
    var evidence: [String: String] = [:]
    var finished = false
    /// Why this share left its VM unfinished: the VM was torn down under another share (its daemon
    /// died, or QEMU stopped). Its remaining steps run on a fresh VM with a fresh daemon.
    var evicted: String?

    init(slot: ShareSlot, hostDir: String, workloads: [Workload]) {
        self.slot = slot
        self.hostDir = hostDir
        self.workloads = workloads.flatMap(\.resultNames).map { WorkloadResult(workload: $0) }
    }

    var active: Bool { skip == nil && unsupported == nil && failure == nil && !finished }

    /// Ready for a fresh VM: unmounted, no daemon, nothing of the old VM's evidence; what it
    /// measured so far stays.
    func moveToNewVM() {
        evicted = nil
        prepared = false
        mountLine = ""
        guestProbe = false
        daemon = nil
        queues = nil
        dax = nil
    }

    func fail(_ reason: String) {
        if failure == nil { failure = reason }
    }

    /// Fails the share as `BootFailure` blamed it.
    func fail(_ blame: BootFailure.Blame) {
        guard failure == nil else { return }
        failure = blame.reason
        infrastructure = blame.infrastructure
    }

    func record(_ workload: String, _ update: (inout WorkloadResult) -> Void) {
        guard let i = workloads.firstIndex(where: { $0.workload == workload }) else { return }
        update(&workloads[i])
    }

    func workloadVerdict(_ workload: String) -> Verdict? {
        workloads.first { $0.workload == workload }?.verdict
    }

    /// Folds one tar extraction's check into the cell's verification.
    func addVerification(_ v: Verification) {
        var total = verification ?? Verification(passed: true, filesChecked: 0)
        total.filesChecked += v.filesChecked
        total.passed = total.passed && v.passed
        total.mismatches += v.mismatches.prefix(max(0, 20 - total.mismatches.count))
        verification = total
    }

    /// The cell's result: skipped and failed cells carry their reason; a failed cell its bundle.
    var result: CellResult {
        let verdict: Verdict
        if let skip {
            verdict = .skipped(skip)
        } else if let unsupported {
            verdict = .unsupported(unsupported)
        } else if let failure {
            verdict = .fail(failure)
        } else {
            verdict = .pass
        }
        // A failed cell's workloads that measured nothing read not-run (never an empty pass).
        let recorded = failure.map { WorkloadWatch.markNotRun(workloads, failure: $0) } ?? workloads
        var result = CellResult(cell: slot.cell, verdict: verdict, workloads: skip == nil && unsupported == nil ? recorded : [],
                                verification: verification, failureBundle: bundle)
        result.vmm = vmm
        result.dax = dax
        result.image = image
        result.queues = queues
        if failure != nil && skip == nil && unsupported == nil && infrastructure { result.infrastructure = true }
        return result
    }
}
