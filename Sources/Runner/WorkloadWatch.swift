import Harness
import Posix
import Results
import Stats
import Synchronization

/// Watches a share's daemon and its VM while a guest command on that share runs (a workload, the
/// mount, the unmount). Without it a daemon that died under a workload went unnoticed until the
/// command's own timeout: in session 5 the C virtiofsd's pool died under four libaio jobs and fio
/// hung in the guest for 6 minutes, then the cell read "fio timed out". The watch is the SSH
/// client's `watch`: asked a few times a second, it stops the ssh client (the guest's process
/// stays stuck on the dead mount; the VM is torn down after) and says whom to blame.
final class WorkloadWatch: Sendable {
    /// What ended the command early.
    enum Cause: Equatable, Sendable {
        /// The share's daemon exited while the VM ran: the daemon's failure.
        case daemon(String, Subprocess.ExitStatus)
        /// The VM (QEMU) stopped while the daemon ran, or the daemon then exited 0 as it does
        /// when its front-end goes away: the machine's failure. `daemon` names the share's daemon.
        case vm(daemon: String?)
    }

    let daemonName: String?
    let daemon: ShareDaemon?
    let vm: VirtualMachine
    /// What runs ("randread-psync #1", "the mount"), for the reason.
    let what: String
    let started = monotonicSeconds()
    private let found = Mutex<(cause: Cause, seconds: Double)?>(nil)

    init(daemonName: String?, daemon: ShareDaemon?, vm: VirtualMachine, what: String) {
        self.daemonName = daemonName
        self.daemon = daemon
        self.vm = vm
        self.what = what
    }

    /// The SSH client's watch: true once the daemon or the VM is gone (and from then on).
    func check() -> Bool {
        if found.withLock({ $0 != nil }) { return true }
        var status = daemon?.status
        var active = vm.isActive
        if !active && status == nil {
            // QEMU gone first: give the daemon a moment to show how it took that (a crash that
            // made QEMU quit shows as a signal; a daemon following its front-end exits 0), and ask
            // libvirt again (a failed query reads as inactive too).
            sleep(seconds: 1)
            status = daemon?.status
            active = vm.isActive
        }
        guard let cause = Self.cause(daemon: daemonName, status: status, vmActive: active) else { return false }
        let seconds = monotonicSeconds() - started
        found.withLock { if $0 == nil { $0 = (cause, seconds) } }
        return true
    }

    /// Whom to blame, once the watch fired (or the daemon is found dead after the command).
    var blame: BootFailure.Blame? {
        _ = check()
        return found.withLock { $0 }.map { Self.blame($0.cause, what: what, seconds: $0.seconds) }
    }

    /// The decision, from what was seen at one moment: `status` is the share's daemon's exit
    /// status (nil: running, or no daemon of its own), `vmActive` whether the domain runs.
    static func cause(daemon: String?, status: Subprocess.ExitStatus?, vmActive: Bool) -> Cause? {
        switch (status, vmActive) {
        case (nil, true): return nil
        case (let s?, true): return .daemon(daemon ?? "daemon", s)
        case (.exited(0)?, false), (nil, false): return .vm(daemon: daemon)
        case (let s?, false): return .daemon(daemon ?? "daemon", s)
        }
    }

    /// The cell's failure: a dead daemon is its own failure (blocks a gate); a VM that stopped
    /// under a live daemon is the machine's (`CellResult.infrastructure`, incomparable).
    static func blame(_ cause: Cause, what: String, seconds: Double) -> BootFailure.Blame {
        let when = String(format: "%.1f s into %@", seconds, what)
        switch cause {
        case let .daemon(name, status):
            return BootFailure.Blame(infrastructure: false, reason: "\(name) \(status) \(when) (the VM was torn down)")
        case let .vm(daemon):
            let alive = daemon.map { " while \($0) was running" } ?? ""
            return BootFailure.Blame(infrastructure: true, reason: "VM infrastructure, not this daemon: the VM stopped \(when)\(alive)")
        }
    }

    /// What the VM's other unfinished shares are failed with when the VM is torn down under one
    /// share: the machine's failure for them (incomparable), as `BootFailure` blames a boot that
    /// another share's daemon broke.
    static func bystander(_ blame: BootFailure.Blame, cell: String) -> BootFailure.Blame {
        let why = blame.infrastructure ? "the VM stopped" : "another share's daemon died"
        return BootFailure.Blame(infrastructure: true, reason: "VM infrastructure, not this daemon: \(why) under \(cell) (\(blame.reason))")
    }

    /// A failed cell's workloads as recorded: what measured something keeps its numbers (the
    /// reports mark them "measured before the cell failed"), what has a verdict of its own
    /// (unsupported) keeps it, and everything else is `not-run`, never an empty pass.
    static func markNotRun(_ workloads: [WorkloadResult], failure: String) -> [WorkloadResult] {
        workloads.map { w in
            guard w.repetitions.isEmpty, w.verdict == nil else { return w }
            var marked = w
            marked.verdict = .notRun("the cell failed first: \(failure.prefix(160))")
            return marked
        }
    }
}
