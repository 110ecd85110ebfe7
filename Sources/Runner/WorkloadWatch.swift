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
/// stays stuck on the dead mount; the VM is torn down after) and says whom to blame. A daemon that
/// is alive but stopped answering is seen too (`HangDetector`): its threads' stacks are taken at
/// that moment for the bundle, and the runner kills it.
final class WorkloadWatch: Sendable {
    /// What ended the command early.
    enum Cause: Equatable, Sendable {
        /// The share's daemon exited while the VM ran: the daemon's failure.
        case daemon(String, Subprocess.ExitStatus)
        /// The VM (QEMU) stopped while the daemon ran, or the daemon then exited 0 as it does
        /// when its front-end goes away: the machine's failure. `daemon` names the share's daemon.
        case vm(daemon: String?)
        /// The share's daemon is alive but stopped answering: what `HangDetector` saw.
        case hung(String, String)
    }

    let daemonName: String?
    let daemon: ShareDaemon?
    let vm: VirtualMachine
    /// What runs ("randread-psync #1", "the mount"), for the reason.
    let what: String
    let started = monotonicSeconds()
    /// Counts the guest's tasks waiting on the share (`GuestWaiters`; nil: no probe).
    let guestWaiting: (@Sendable () -> Int?)?
    private let found = Mutex<(cause: Cause, seconds: Double)?>(nil)
    private let hang = Mutex(HangDetector())
    private let report = Mutex<String?>(nil)
    private let family = Mutex<(pids: [Int32], at: Double)?>(nil)
    private let seccomp = Mutex<SeccompFinding?>(nil)

    init(daemonName: String?, daemon: ShareDaemon?, vm: VirtualMachine, what: String,
         guestWaiting: (@Sendable () -> Int?)? = nil) {
        self.daemonName = daemonName
        self.daemon = daemon
        self.vm = vm
        self.what = what
        self.guestWaiting = guestWaiting
    }

    /// The hung daemon's threads (state, wchan, kernel stack), taken when the hang was seen.
    var stacks: String? { report.withLock { $0 } }

    /// The watch fired because the daemon stopped answering (it is still alive: kill it).
    var sawHang: Bool {
        if case .hung? = found.withLock({ $0?.cause }) { return true }
        return false
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
        if let cause = Self.cause(daemon: daemonName, status: status, vmActive: active) {
            let seconds = monotonicSeconds() - started
            found.withLock { if $0 == nil { $0 = (cause, seconds) } }
            return true
        }
        guard let daemon, status == nil else { return false }
        return checkHang(daemon)
    }

    /// One sample of the daemon's process tree into the `HangDetector`; on a hang the threads'
    /// stacks are taken before anything else happens to the daemon.
    private func checkHang(_ daemon: ShareDaemon) -> Bool {
        let now = monotonicSeconds()
        // The tree's pids from a scan of /proc every few seconds (a sandbox's child does not
        // change), their states at every check.
        let pids = family.withLock { cached -> [Int32] in
            if cached == nil || now - cached!.at >= 5 { cached = (daemon.tree(), now) }
            return cached!.pids
        }
        let tree = pids.compactMap { p in ProcessUsage.state(of: p).map { (pid: p, state: $0) } }
        let cpu = tree.reduce(0) { $0 + ProcessUsage.cpuSeconds(of: $1.pid, includeReapedChildren: true) }
        let sample = HangDetector.Sample(cpuSeconds: cpu, stopped: tree.first { $0.state == "T" || $0.state == "t" },
                                         states: tree.map { "\($0.pid) \($0.state)" }.joined(separator: ", "))
        let ask = guestWaiting ?? { nil }
        guard let seen = hang.withLock({ $0.observe(sample, at: now, guestWaiting: ask) }) else { return false }
        let stacks = ProcessUsage.threadReport(ofTree: daemon.pid)
        report.withLock { $0 = stacks }
        found.withLock { if $0 == nil { $0 = (.hung(daemonName ?? "daemon", seen), now - started) } }
        return true
    }

    /// Whom to blame, once the watch fired (or the daemon is found dead after the command); a
    /// dead daemon's blame names the seccomp kill the kernel logged for its tree, if any.
    var blame: BootFailure.Blame? {
        _ = check()
        return found.withLock { $0 }.map { Self.blame($0.cause, what: what, seconds: $0.seconds, seccomp: seccompFinding?.reason) }
    }

    /// The kernel log's verdict on the daemon's death (read once), nil unless the daemon died.
    var seccompFinding: SeccompFinding? {
        guard case .daemon? = found.withLock({ $0?.cause }), let daemon else { return nil }
        return seccomp.withLock { cached in
            if cached == nil { cached = daemon.seccompFinding() }
            return cached
        }
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

    /// What the reason says of a hung daemon after the bundle, the kill and the teardown.
    static let hungEnding = "its threads' stacks are in the bundle; killed with SIGKILL, the VM was torn down"

    /// The cell's failure: a dead daemon is its own failure (blocks a gate); a VM that stopped
    /// under a live daemon is the machine's (`CellResult.infrastructure`, incomparable).
    static func blame(_ cause: Cause, what: String, seconds: Double, seccomp: String? = nil) -> BootFailure.Blame {
        let when = String(format: "%.1f s into %@", seconds, what)
        switch cause {
        case let .daemon(name, status):
            let killed = seccomp.map { ": \($0)" } ?? ""
            return BootFailure.Blame(infrastructure: false, reason: "\(name) \(status)\(killed) \(when) (the VM was torn down)")
        case let .hung(name, seen):
            return BootFailure.Blame(infrastructure: false, reason: "\(name) stopped answering \(when): \(seen) (\(hungEnding))")
        case let .vm(daemon):
            let alive = daemon.map { " while \($0) was running" } ?? ""
            return BootFailure.Blame(infrastructure: true, reason: "VM infrastructure, not this daemon: the VM stopped \(when)\(alive)")
        }
    }

    /// What the VM's other unfinished shares are failed with when the VM is torn down under one
    /// share: the machine's failure for them (incomparable), as `BootFailure` blames a boot that
    /// another share's daemon broke.
    static func bystander(_ blame: BootFailure.Blame, cell: String) -> BootFailure.Blame {
        let why = blame.infrastructure ? "the VM stopped"
            : blame.reason.contains(" stopped answering ") ? "another share's daemon stopped answering" : "another share's daemon died"
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
