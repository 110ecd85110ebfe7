import Foundation
import GuestImage
import Harness
import Libvirt
import Matrix
import Posix
import Reports
import Results

/// One VM and the shares it serves: daemons started, the VM booted with a device per share, then
/// the group's steps in schedule order. A share is mounted and checked before its first step and
/// recorded after its last; a failure ends that share only, with a bundle of the evidence. When
/// the VM is torn down under one share (`abandon`), the other unfinished shares' remaining steps
/// are handed back (`Outcome.moved`) for a fresh VM.
struct VMGroupRun {
    struct Outcome {
        var booted: Bool
        /// Steps of shares evicted from this VM, in schedule order, for the next VM.
        var moved: [Step] = []
    }

    let index: Int
    let states: [SlotState]
    let steps: [Step]
    let run: Run
    let context: RunContext
    /// The QEMU binary for this VM (the DAX QEMU's wrapper for runs with DAX cells), nil: libvirt's.
    let emulator: String?
    /// The guest image this VM boots (the cells' `image`, else the run's).
    let image: BuiltImage
    let options: RunOptions
    let trees: [String: TarTree]
    let display: ProgressDisplay
    let store: ResultStore
    let record: (SlotState) -> Void
    /// The VM's private sshd when it serves sshfs cells.
    let sshfs = SSHFSHost()

    var log: @Sendable (String) -> Void { options.log }
    /// Other work's share of the host while each step runs.
    var disturbance: HostDisturbance { HostDisturbance(run: run) }

    /// Returns whether a VM was booted, and the steps that move to a fresh VM.
    func execute() -> Outcome {
        var shares: [Filesystem] = []
        defer { stopDaemons() }
        for state in states where state.active {
            let slot = state.slot
            switch slot.cell.backend {
            case .straitd, .virtiofsdC, .virtiofsdRust:
                guard let command = slot.variant.binaries.command(for: slot.cell) else { continue }
                let socket = run.path(slot.key + ".sock")
                // A share moved to a fresh VM gets a second daemon: its log goes beside the first one's.
                let (daemonLog, number) = Self.daemonLogPath(run.path(slot.key + "-daemon")) { FileManager.default.fileExists(atPath: $0) }
                if number > 1, let earlier = state.evidence["daemon.log"] { state.evidence["daemon.\(number - 1).log"] = earlier }
                state.evidence["daemon.log"] = daemonLog
                var full = command
                full.arguments += slot.cell.daxArguments(tag: slot.tag)
                do {
                    state.daemon = try ShareDaemon(command: full, socket: socket, dir: state.hostDir,
                                                    cache: DaemonBinaries.daemonCache(for: slot.cell), log: daemonLog)
                    log("strait: \(slot.key) \(slot.cell.id): \(slot.cell.backend.rawValue) pid \(state.daemon?.pid ?? 0) serves \(socket)")
                    let backend: Filesystem.Backend = slot.cell.dax != .off ? .virtiofsDaxSocket(socket: socket)
                        : slot.cell.requestQueues > 1
                        ? .virtiofsQueuesSocket(socket: socket, queueSize: 1024, requestQueues: slot.cell.requestQueues)
                        : .virtiofsSocket(socket: socket, queueSize: 1024)
                    state.queues = QueueUse(configured: slot.cell.requestQueues)
                    shares.append(Filesystem(backend, tag: slot.tag))
                } catch {
                    state.fail("daemon did not start: \(error.detail)")
                    state.bundle = FailureBundle.keep(name: run.name(slot.key), reason: "\(slot.cell.id): \(error)", files: state.evidence)
                }
            case .ninep:
                shares.append(Filesystem(.ninep(source: state.hostDir, accessMode: "passthrough", readOnly: false), tag: slot.tag))
            case .sshfs:
                if let why = context.sshfsMissing { state.skip = why }
            case .native:
                break
            }
        }
        startSSHD()
        let active = states.filter(\.active)
        guard !active.isEmpty else {
            finishAll(vm: nil)
            return Outcome(booted: false)
        }
        var vmOptions = VirtualMachine.Options()
        vmOptions.vcpus = options.vcpus
        vmOptions.memoryMiB = options.memoryMiB
        vmOptions.shares = shares
        vmOptions.emulator = emulator
        let vm: VirtualMachine
        do {
            vm = try VirtualMachine(run: run, vm: "vm\(index)", image: image, accelerator: context.accelerator,
                                    key: context.key, connection: context.connection, options: vmOptions)
        } catch {
            blameBootFailure(active, "VM setup: \(error.detail)")
            finishAll(vm: nil)
            return Outcome(booted: false)
        }
        for state in states { if let path = state.evidence["daemon.log"] { vm.keepDaemonLog(URL(fileURLWithPath: path).lastPathComponent, at: path) } }
        if let server = sshfs.server { vm.keepDaemonLog("sshd.log", at: server.layout.log) }
        defer { vm.shutdown() }
        log("strait: booting \(vm.name) with \(shares.count) share(s): " + active.map { "\($0.slot.key)=\($0.slot.variant.name == "run" ? "" : $0.slot.variant.name + ":")\($0.slot.cell.id)" }.joined(separator: " "))
        do {
            try vm.start()
        } catch {
            blameBootFailure(active, "VM did not boot: \(error.detail)")
            for state in active { state.bundle = error.bundle }
            finishAll(vm: nil)
            return Outcome(booted: true)
        }
        log(String(format: "strait: %@ boot-to-SSH %.1f s (%@)", vm.name, vm.bootToSSH ?? 0, context.accelerator.kind.rawValue))
        do {
            log("strait: \(vm.name) " + (try GuestSettle.settle(vm.ssh)).summary)
        } catch {
            log("strait: WARNING \(vm.name) could not be settled before measuring: \(error.detail)")
        }
        if let tree = trees.values.first {
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: tree.tarball))
                try vm.ssh.check("mkdir -p \(GuestWorkloads.workDir) && cat > \(GuestWorkloads.workDir)/tree.tar", input: data, timeout: 600)
            } catch {
                for state in active { fail(state, "cannot copy the tarball into the guest: \(error)", vm: vm) }
            }
        }
        installSSHFSKey(vm: vm)
        let last = Dictionary(steps.enumerated().map { ($0.element.variant + "/" + $0.element.cell.id, $0.offset) }) { $1 }
        var moved: [Step] = []
        for (i, step) in steps.enumerated() {
            guard let state = states.first(where: { $0.slot.variant.name == step.variant && $0.slot.cell == step.cell }) else { continue }
            if state.evicted != nil {
                moved.append(step)
                continue
            }
            display.begin(step)
            display.end(step, outcome: measure(step, index: i, state: state, vm: vm))
            if last[step.variant + "/" + step.cell.id] == i { finish(state, vm: vm) }
        }
        // An evicted share with nothing left to run is recorded here, not moved.
        for state in states where state.evicted != nil && !moved.contains(where: { $0.variant == state.slot.variant.name && $0.cell == state.slot.cell }) {
            state.evicted = nil
        }
        finishAll(vm: vm)
        return Outcome(booted: true, moved: moved)
    }

    /// `<base>.log` for a share's first daemon, `<base>.2.log` for the next one (after a move to a
    /// fresh VM), and so on: the first unused name, and its number.
    static func daemonLogPath(_ base: String, exists: (String) -> Bool) -> (path: String, number: Int) {
        var number = 1
        while exists(number == 1 ? base + ".log" : "\(base).\(number).log") { number += 1 }
        return (number == 1 ? base + ".log" : "\(base).\(number).log", number)
    }

    /// Fails every share of a VM that never became ready, each blamed on its daemon or on the machine.
    func blameBootFailure(_ shares: [SlotState], _ what: String) {
        let exited = shares.map { state in state.daemon.flatMap { $0.isRunning ? nil : state.slot.cell.backend.rawValue } }
        for (state, blame) in zip(shares, BootFailure.blame(what, exited: exited)) {
            var blame = blame
            if !blame.infrastructure, let daemon = state.daemon, let why = daemon.seccompFinding().reason { blame.reason += ": " + why }
            state.fail(blame)
            log("strait: \(state.slot.cell.id) [\(state.slot.variant.name)]: \(blame.reason)")
        }
    }

    /// One step; returns the progress line's outcome.
    func measure(_ step: Step, index: Int, state: SlotState, vm: VirtualMachine) -> String {
        if let skip = state.skip { return "skipped: \(skip)" }
        if let failure = state.failure { return "not run, cell failed: \(failure.prefix(100))" }
        if !state.prepared {
            let watch = watch(state, vm: vm, what: "the mount before \(step.workload.name)")
            prepare(state, vm: vm, watch: watch)
            if let blame = watch.blame { return abandon(state, blame, vm: vm, watch: watch) }
            if let failure = state.failure { return "FAIL: \(failure)" }
        }
        if case .unsupported(let why)? = state.workloadVerdict(step.workload.name) {
            return "unsupported: \(why)"
        }
        // The share's daemon and the VM are watched while the workload runs: if either goes, the
        // command is stopped within a second or two instead of hanging until its timeout.
        let watch = watch(state, vm: vm, what: "\(step.workload.name) #\(step.repetition + 1)")
        let ssh = watched(vm, watch)
        if case .fio(let job) = step.workload, let why = GuestWorkloads.prepareFio(job, slot: state.slot, ssh: ssh) {
            if let blame = watch.blame { return abandon(state, blame, vm: vm, watch: watch) }
            fail(state, why, vm: vm)
            return "FAIL: \(why)"
        }
        let flushed = HostFlush.flush()
        if flushed > 10 { log("strait: flushing the host's dirty pages took \(Int(flushed)) s before \(step.cell.id) \(step.workload.name)") }
        let before = disturbance.sample()
        let outcome: GuestWorkloads.Outcome
        switch step.workload {
        case .fio(let job):
            let rel = "runs/\(documentID(state))/\(step.cell.id)/\(job.name).\(step.repetition).json"
            outcome = GuestWorkloads.fio(job, slot: state.slot, repetition: step.repetition, ssh: ssh,
                                         rawPath: store.root + "/" + rel, rawReference: rel)
            state.evidence["fio-\(job.name).\(step.repetition).txt"] = store.root + "/" + rel
        case .tar(let tar):
            guard let tree = trees[tar.name] else { return "no tree" }
            let (o, verification) = GuestWorkloads.tar(tar, tree: tree, state: state, repetition: step.repetition, step: index, ssh: ssh)
            if let verification { state.addVerification(verification) }
            outcome = o
        case .meta(let meta):
            let result = GuestWorkloads.meta(meta, slot: state.slot, repetition: step.repetition, step: index, ssh: ssh)
            let reading = disturbance.reading(since: before)
            if case .measured(let phases, let verification, _) = result {
                state.addVerification(verification)
                for (phase, seconds) in phases {
                    var rep = Repetition(index: step.repetition, metaSeconds: seconds)
                    reading.mark(&rep)
                    state.record("meta-" + phase) { $0.repetitions.append(rep) }
                }
            }
            if let blame = watch.blame { return abandon(state, blame, vm: vm, watch: watch) }
            switch result {
            case .measured(_, _, let summary):
                return summary + reading.note
            case .failed(let why):
                fail(state, why, vm: vm)
                return "FAIL: \(why)"
            }
        }
        let reading = disturbance.reading(since: before)
        // A run that completed keeps its numbers even when the daemon died just after.
        if case var .measured(rep, _) = outcome {
            reading.mark(&rep)
            state.record(step.workload.name) { $0.repetitions.append(rep) }
        }
        if let blame = watch.blame { return abandon(state, blame, vm: vm, watch: watch) }
        switch outcome {
        case let .measured(_, summary):
            return summary + reading.note
        case .unsupported(let why):
            state.record(step.workload.name) { $0.verdict = .unsupported(why) }
            return "unsupported: \(why)"
        case .failed(let why):
            fail(state, why, vm: vm)
            return "FAIL: \(why)"
        }
    }

    func documentID(_ state: SlotState) -> String {
        options.variants.count == 1 ? run.id : "\(run.id)-\(state.slot.variant.name)"
    }

    /// Mounts the share with the cell's options, then checks the configuration took effect before
    /// anything is measured: the guest's /proc/mounts, the daemon's real argv, the DAX window.
    func prepare(_ state: SlotState, vm: VirtualMachine, watch: WorkloadWatch) {
        state.prepared = true
        let cell = state.slot.cell
        let mountPoint = state.slot.mountPoint
        var mount = cell.mountCommand(tag: state.slot.tag, mountPoint: mountPoint)
        if cell.backend == .sshfs {
            guard let server = sshfs.server else {
                fail(state, "no sshd serves the sshfs share", vm: vm)
                return
            }
            mount = cell.mountCommand(tag: HostSSHD.source(hostDir: state.hostDir), mountPoint: mountPoint,
                                      connection: HostSSHD.connectionOptions(port: server.port))
        }
        var command = "mkdir -p \(mountPoint) && \(shellQuote(mount)) && cat /proc/mounts"
        if cell.dax != .off { command += " && echo @@iomem && cat /proc/iomem" }
        if cell.backend == .sshfs { command += " && echo @@sshfs && " + SSHFSHost.guestArgvCommand(mountPoint: mountPoint) }
        // The guest's probe of tasks waiting on the share, for seeing a daemon that stops answering: checked once here; never fails the mount.
        if state.daemon != nil { command += " && { echo @@waiters; ( \(GuestWaiters.command(mountPoint: mountPoint)) ) 2>&1 || true; }" }
        var output: String
        do {
            output = try watched(vm, watch).check(command, timeout: 120)
        } catch {
            // A mount stopped by its watch is the caller's to blame (`abandon`).
            if watch.blame == nil { fail(state, "mount failed: \(error.detail)", vm: vm) }
            return
        }
        if let marker = output.range(of: "@@waiters\n", options: .backwards) {
            let probe = String(output[marker.upperBound...])
            output = String(output[..<marker.lowerBound])
            if let waiters = GuestWaiters.parse(probe) {
                state.guestProbe = true
                log("strait: \(state.slot.key) \(cell.id): guest waiter probe answers (\(waiters) task(s) waiting on the share)")
            } else {
                log("strait: \(state.slot.key) \(cell.id): the guest's waiter probe did not answer (\(probe.prefix(200))): a daemon that stops answering is seen only when stopped")
            }
        }
        let sections = output.components(separatedBy: "@@sshfs\n")
        let parts = sections[0].components(separatedBy: "@@iomem")
        var problems = cell.mountProblems(procMounts: parts[0], mountPoint: mountPoint)
        if cell.backend == .sshfs {
            problems += cell.sshfsProblems(argv: sections.count > 1 ? sections[1].split(separator: "\n").map(String.init) : [])
        }
        if let daemon = state.daemon {
            if let argv = Subprocess.argv(of: daemon.pid) {
                problems += cell.daemonProblems(argv: argv)
            } else {
                problems.append("daemon (pid \(daemon.pid)) is not running")
            }
        }
        let window = cell.daxWindow ?? Cell.defaultDaxWindow
        if cell.dax != .off, !(parts.count > 1 && Cell.iomemShowsWindow(parts[1], size: window)) {
            problems.append("DAX \(cell.dax.rawValue) but /proc/iomem shows no \(window >> 20) MiB window")
        }
        if !problems.isEmpty {
            fail(state, "configuration did not take effect: " + problems.joined(separator: "; "), vm: vm)
            return
        }
        state.mountLine = MountEntry.parse(parts[0]).last { $0.mountPoint == mountPoint }
            .map { "\($0.source) on \($0.mountPoint) type \($0.fsType) (\($0.options.joined(separator: ",")))" } ?? ""
        if cell.dax != .off, parts.count > 1 {
            state.dax = DaxEvidence(mount: state.mountLine, iomem: Cell.iomemWindowLines(parts[1], size: window),
                                    windowBytes: window, mapsAtLeast: 0)
        }
        log("strait: \(state.slot.key) \(state.slot.variant.name == "run" ? "" : state.slot.variant.name + " ")\(cell.id): \(state.mountLine)")
    }

    /// Marks the share failed and keeps a bundle: console log, domain XML, QEMU log, daemon logs,
    /// fio output, and the reason.
    func fail(_ state: SlotState, _ reason: String, vm: VirtualMachine) {
        fail(state, BootFailure.Blame(infrastructure: false, reason: reason), vm: vm)
    }

    /// `fail`, blamed on the daemon or (`infrastructure`) on the machine.
    func fail(_ state: SlotState, _ blame: BootFailure.Blame, vm: VirtualMachine) {
        guard state.failure == nil else { return }
        let reason = blame.reason
        state.fail(blame)
        let bundle = vm.keepBundle(reason: "\(state.slot.cell.id) [\(state.slot.variant.name)]: \(reason)")
        for (name, path) in state.evidence where FileManager.default.fileExists(atPath: path) {
            try? FileManager.default.copyItem(atPath: path, toPath: bundle + "/" + name)
        }
        state.bundle = bundle
        log("strait: \(state.slot.cell.id) FAILED: \(reason) (bundle \(bundle))")
    }

    /// After a share's last step: unmount (a hung unmount is a failure too) and record the cell.
    /// A DAX cell whose daemon made no map at all did not use the window: a failure.
    func finish(_ state: SlotState, vm: VirtualMachine?) {
        guard !state.finished else { return }
        if state.prepared, state.failure == nil, state.slot.cell.dax != .off, let vm, let path = state.evidence["daemon.log"] {
            let maps = Cell.daxMapCount(daemonLog: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
            if maps == 0 { fail(state, "DAX \(state.slot.cell.dax.rawValue): straitd made no SHMEM_MAP during the workloads", vm: vm) }
            else { log("strait: \(state.slot.key) \(state.slot.cell.id): straitd made >= \(maps) DAX maps") }
            state.dax?.mapsAtLeast = maps
        }
        if state.prepared, state.queues != nil, let vm, vm.isActive,
           let out = try? vm.ssh.run(Cell.guestQueueCommand(tag: state.slot.tag), timeout: 60),
           let seen = Cell.requestQueueInterrupts(out.output) {
            state.queues?.guestDevice = seen.device
            state.queues?.guestInterrupts = seen.perQueue
            log("strait: \(state.slot.key) \(state.slot.cell.id): guest \(seen.device) interrupts per request queue \(seen.perQueue)")
        }
        if state.prepared, let vm, vm.isActive {
            // A native cell's directory is on the guest's disk: removed, not unmounted.
            let command = state.slot.cell.backend == .native ? "rm -rf \(state.slot.mountPoint)" : "umount \(state.slot.mountPoint)"
            // An unmount waits on the daemon too: watched like a workload.
            let watch = watch(state, vm: vm, what: command)
            let result = try? watched(vm, watch).run(command, timeout: 600)
            if let blame = watch.blame {
                _ = abandon(state, blame, vm: vm, watch: watch)
            } else if let result, !result.succeeded, state.failure == nil {
                fail(state, "\(command) failed: \(result.output.suffix(300))", vm: vm)
            }
        }
        state.finished = true
        record(state)
    }

    /// A watch over the share's daemon and the VM for one guest command on that share.
    func watch(_ state: SlotState, vm: VirtualMachine, what: String) -> WorkloadWatch {
        WorkloadWatch(daemonName: state.daemon == nil ? nil : state.slot.cell.backend.rawValue, daemon: state.daemon, vm: vm, what: what,
                      guestWaiting: guestWaiting(state, vm: vm))
    }

    /// Counts the guest's tasks waiting on the share, over a plain (unwatched) SSH command.
    func guestWaiting(_ state: SlotState, vm: VirtualMachine) -> (@Sendable () -> Int?)? {
        guard state.guestProbe else { return nil }
        let ssh = vm.ssh
        let command = GuestWaiters.command(mountPoint: state.slot.mountPoint)
        return {
            guard let result = try? ssh.run(command, timeout: 20), result.succeeded else { return nil }
            return GuestWaiters.parse(result.output)
        }
    }

    /// The VM's SSH client, stopped by `watch`.
    func watched(_ vm: VirtualMachine, _ watch: WorkloadWatch) -> SSHClient {
        var ssh = vm.ssh
        ssh.watch = { watch.check() }
        return ssh
    }

    /// A share's daemon or the VM went away under a guest command, or the daemon stopped answering:
    /// the share fails as `blame` says, with its bundle taken while the domain is still there (a
    /// hung daemon's thread stacks in it, then the daemon is killed); then the VM is destroyed (the
    /// guest is stuck on the dead mount: no poweroff, no unmount) and the VM's other unfinished
    /// shares fail for the machine. Their steps, and this share's, then read "not run"; whatever
    /// they measured before keeps its numbers. The daemons are stopped and their sockets removed
    /// as always (`stopDaemons`).
    func abandon(_ state: SlotState, _ blame: BootFailure.Blame, vm: VirtualMachine, watch: WorkloadWatch) -> String {
        if let stacks = watch.stacks {
            let path = run.path(state.slot.key + "-daemon-stacks.txt")
            if (try? stacks.write(toFile: path, atomically: true, encoding: .utf8)) != nil { state.evidence["daemon-stacks.txt"] = path }
        }
        if let finding = watch.seccompFinding {
            let path = run.path(state.slot.key + "-kernel-audit.txt")
            if (try? finding.report.write(toFile: path, atomically: true, encoding: .utf8)) != nil { state.evidence["kernel-audit.txt"] = path }
        }
        fail(state, blame, vm: vm)
        if watch.sawHang, let daemon = state.daemon {
            let ending = daemon.stop(grace: 0)
            log("strait: \(state.slot.key) \(state.slot.cell.id): \(state.slot.cell.backend.rawValue) pid \(daemon.pid) had stopped answering: \(ending)")
        }
        if let daemon = state.daemon {
            let tail = daemon.lastLogLines(5).joined(separator: "\n    ")
            log("strait: \(state.slot.key) \(state.slot.cell.id): \(state.slot.cell.backend.rawValue) log ends:\n    \(tail)")
        }
        vm.destroy()
        log("strait: \(vm.name) torn down")
        for other in states where other !== state && !other.finished && other.failure == nil && other.skip == nil && other.unsupported == nil {
            other.evicted = WorkloadWatch.bystander(blame, cell: state.slot.cell.id).reason
            log("strait: \(other.slot.cell.id) [\(other.slot.variant.name)]: its remaining steps move to a fresh VM (\(vm.name) was torn down under \(state.slot.cell.id))")
        }
        return "FAIL: \(blame.reason)"
    }

    func finishAll(vm: VirtualMachine?) {
        for state in states where !state.finished && state.evicted == nil { finish(state, vm: vm) }
    }

    /// Stops the group's daemons after the VM is gone; straitd must end cleanly (exit 0) on
    /// SIGTERM, so anything else turns its cell into a failure.
    func stopDaemons() {
        // sshd serves the sshfs shares as a daemon serves its share: one that outlived SIGKILL
        // (frozen, stuck in the kernel) fails them the same way, not only on stderr.
        let sshd = sshfs.server?.stop()
        sshfs.server = nil
        if let sshd, sshd.isUnkillable {
            for state in states where state.slot.cell.backend == .sshfs && state.evicted == nil {
                failWhenStopped(state, "sshd for sshfs outlived SIGKILL when stopped: \(sshd)")
            }
        }
        for state in states {
            guard let daemon = state.daemon else { continue }
            let ending = daemon.stop()
            state.daemon = nil
            // An evicted share gets a new daemon on the next VM; how this one took the VM's end is not its verdict.
            if state.evicted != nil { continue }
            // straitd logs each queue's requests when its ring stops (the VM is gone by now).
            if state.slot.cell.backend == .straitd, state.queues != nil, let path = state.evidence["daemon.log"],
               let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let served = Cell.servedPerQueue(daemonLog: text)
                if let top = served.keys.max() {
                    state.queues?.daemonRequests = (1...top).map { served[$0] ?? 0 }
                    log("strait: \(state.slot.key) \(state.slot.cell.id): straitd requests per request queue \(state.queues?.daemonRequests ?? [])")
                    if state.finished { record(state) }
                }
            }
            // One that outlived SIGKILL (frozen, stuck in the kernel) is never clean; `stop` said so on stderr already.
            let clean = ending == .exited(0) || (state.slot.cell.backend != .straitd && ending != .killed && !ending.isUnkillable)
            if !clean && state.failure == nil && state.skip == nil {
                // A daemon that died on its own (not SIGKILLed by `stop`) may have met its seccomp filter.
                let seccomp = ending == .killed ? nil : daemon.seccompFinding()
                failWhenStopped(state, "\(state.slot.cell.backend.rawValue) \(ending) when stopped" + (seccomp?.reason.map { ": \($0)" } ?? ""),
                                texts: seccomp.map { ["kernel-audit.txt": $0.report] } ?? [:])
            }
        }
    }

    /// A share whose server did not end cleanly once the VM was gone: the reason in its result
    /// and a bundle (its evidence, `texts`), recorded again. A failure it had already keeps.
    func failWhenStopped(_ state: SlotState, _ reason: String, texts: [String: String] = [:]) {
        guard state.failure == nil && state.skip == nil else { return }
        state.fail(reason)
        state.bundle = FailureBundle.keep(name: run.name(state.slot.key), reason: reason, files: state.evidence, texts: texts)
        record(state)
    }
}
