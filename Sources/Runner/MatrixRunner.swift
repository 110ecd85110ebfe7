import Foundation
import GuestImage
import Harness
import Libvirt
import Matrix
import Reports
import Results

/// Runs a matrix on real VMs: sweeps, builds or reuses the image, gives every cell (per variant)
/// its own share and daemon, boots as few VMs as it can (each share is its own device, so a VM
/// serves many cells and moving between them is a remount), checks each configuration took effect,
/// runs the workloads in the interleaved schedule, and writes one document per variant plus the
/// history. Cell failures are verdicts with a failure bundle; only setup problems throw.
public final class MatrixRunner: Sendable {
    public let matrix: Matrix
    public let options: RunOptions

    public init(matrix: Matrix, options: RunOptions) {
        self.matrix = matrix
        self.options = options
    }

    /// The cells and workloads of the whole run before sharding (after the filter).
    public var unsharded: Expansion {
        var e = matrix.expand()
        if let filter = options.filter { e = e.filtered(by: filter) }
        e.repetitions = options.repetitions ?? matrix.repetitions
        return e
    }

    /// The cells and workloads this run will measure (after the filter and the shard).
    public var expansion: Expansion {
        options.shard.map { unsharded.sharded($0) } ?? unsharded
    }

    /// Whether the run's VMs use the DAX QEMU: when the matrix (whole, before the filter and the
    /// shard) has a straitd DAX cell, so every piece of a split DAX matrix runs on the same VMM
    /// (a shard of only no-DAX cells once ran on QEMU 7.2, and `strait merge` refused it).
    public var wantsDaxVMM: Bool { matrix.expand().cells.contains(where: \.mapsThroughWindow) }

    /// What the document records about the shard, for `strait merge`.
    var shardInfo: ShardInfo? {
        guard let shard = options.shard else { return nil }
        let whole = unsharded
        return ShardInfo(index: shard.index, count: shard.count, cells: whole.sharded(shard).cells.map(\.id),
                         allCells: whole.cells.map(\.id), workloads: whole.workloads.map(\.name), repetitions: whole.repetitions)
    }

    /// The host-speed layer this run will measure, when the matrix has one and the filter keeps it.
    var loadLayer: LoadSpec? {
        // Host-speed cells run once per run: in the first shard when the matrix is fanned out.
        guard var spec = matrix.load, !options.skipLoad, (options.shard?.index ?? 1) == 1 else { return nil }
        if let filter = options.filter {
            spec.backends = spec.backends.filter { filter.matches(spec.cell($0, label: "load")) }
        }
        return spec.backends.isEmpty ? nil : spec
    }

    public func execute() throws(RunnerError) -> RunOutcome {
        let started = Date()
        let log = options.log
        let expansion = self.expansion
        let vmCells = !expansion.cells.isEmpty && !expansion.workloads.isEmpty
        let load = loadLayer
        guard vmCells || load != nil else {
            if let shard = options.shard, !unsharded.cells.isEmpty {
                throw RunnerError(.matrix, "\(matrix.file): shard \(shard) has no cells (\(unsharded.cells.count) cells over \(shard.count) shards)")
            }
            throw RunnerError(.matrix, "\(matrix.file): no cells or no workloads left after the filter")
        }
        if vmCells {
            log("strait: \(matrix.name)\(options.shard.map { " shard \($0)" } ?? ""): \(expansion.cells.count) cells x \(expansion.workloads.count) workloads x \(expansion.repetitions) repetitions x \(options.variants.count) variant(s)")
            log(Sweeper(uri: options.uri).sweep().description)
        }
        let context = vmCells ? try RunContext.prepare(options: options, daxVMM: wantsDaxVMM, cells: expansion.cells) : nil
        let run: Run
        do { run = try Run(id: options.runID ?? Run.newID()) } catch { throw RunnerError(.io, "cannot create the run", cause: error) }
        let signals = vmCells ? SignalSweep(run: run, uri: options.uri) : nil
        defer {
            run.release()
            if vmCells { log(Sweeper(uri: options.uri).sweep(runID: run.id).description) }
            withExtendedLifetime(signals) {}
        }
        if let context {
            let image = context.headerImage(expansion.cells)
            let vmm = context.headerVMM(expansion.cells).map { "QEMU \($0)" } ?? context.vmm.version
            log("strait: run \(run.id), accelerator \(context.accelerator), \(vmm), image \(image.hash.prefix(12)) (\(image.kernelVersion))")
        } else {
            log("strait: run \(run.id): host-speed cells only, no VM")
        }

        let store = ResultStore(root: options.resultsRoot)
        var writers: [String: ResultWriter] = [:]
        for variant in options.variants {
            let id = options.variants.count == 1 ? run.id : "\(run.id)-\(variant.name)"
            let env = context.map {
                var env = RunEnvironment.probe(image: $0.headerImage(expansion.cells), accelerator: $0.accelerator, connection: $0.connection,
                                               variant: variant, vmm: $0.headerVMM(expansion.cells))
                env.vcpus = options.vcpus
                return env
            } ?? RunEnvironment(straitdSHA: variant.straitdSHA, straitdBuild: variant.straitdBuild, accelerator: "none", acceleratorReason: "host-speed cells only, no VM", host: .current())
            var doc = RunDocument(runID: id, matrix: matrix.name, startedAt: started, environment: env, tolerances: matrix.tolerances)
            doc.shard = shardInfo
            doc.filter = options.filter.map(\.text)
            do { writers[variant.name] = try store.writer(for: doc) } catch { throw RunnerError(.results, "cannot open the results", cause: error) }
        }

        // The host-speed layer first: a minute or two, and a daemon that cannot serve strait-load
        // shows before any VM boots.
        var layers: [String: Double] = [:]
        if let load {
            let t0 = Date()
            let rounds = options.loadRounds ?? load.rounds
            let layer = LoadLayer(spec: load, variants: options.variants, rounds: rounds, straitLoad: options.straitLoad,
                                  directory: run.path(""), log: log)
            layer.run { variant, cell in
                do { try writers[variant]?.record(cell) } catch { log("strait: cannot record \(cell.cellID): \(error)") }
            }
            layers["host-speed"] = Date().timeIntervalSince(t0)
        }

        var boots = 0
        if let context {
            // Waiting for the VM slot is not E2E time.
            let lock = try options.vmLock.map { path throws(RunnerError) in try VMLock(path: path, log: log) }
            defer { withExtendedLifetime(lock) {} }
            let t0 = Date()
            boots = try runVMCells(expansion: expansion, run: run, context: context, store: store, writers: writers)
            layers["e2e"] = Date().timeIntervalSince(t0)
        }

        var documents: [String: RunDocumentRef] = [:]
        for variant in options.variants {
            guard let writer = writers[variant.name] else { continue }
            do {
                let doc = try writer.finish()
                try store.record(doc)
                documents[variant.name] = RunDocumentRef(document: doc, path: writer.path)
            } catch { throw RunnerError(.results, "cannot finish the results", cause: error) }
        }
        let seconds = Date().timeIntervalSince(started)
        log(String(format: "strait: run %@ took %.0f s (%d VM boot%@)", run.id, seconds, boots, boots == 1 ? "" : "s"))
        return RunOutcome(runID: run.id, documents: documents, seconds: seconds, vmBoots: boots, layerSeconds: layers)
    }

    /// The E2E layer: every cell on real VMs, in the interleaved schedule. Returns the VM boots.
    private func runVMCells(expansion: Expansion, run: Run, context: RunContext, store: ResultStore,
                            writers: [String: ResultWriter]) throws(RunnerError) -> Int {
        let log = options.log
        let states = try makeSlots(expansion: expansion, run: run, context: context)
        let steps = Schedule.steps(expansion, variants: options.variants.map(\.name), order: options.order)
        let display = options.progress?(steps.count) ?? ProgressDisplay.standardError(total: steps.count)
        var trees: [String: TarTree] = [:]
        for case .tar(let tar) in expansion.workloads {
            trees[tar.name] = try TarTree.make(tar, in: run.path("tar"))
        }
        func key(_ variant: String, _ cell: Cell) -> String { variant + "/" + cell.id }
        let byKey = Dictionary(uniqueKeysWithValues: states.map { (key($0.slot.variant.name, $0.slot.cell), $0) })
        let record: (SlotState) -> Void = { state in
            do { try writers[state.slot.variant.name]?.record(state.result) } catch { log("strait: cannot record \(state.slot.cell.id): \(error)") }
        }
        for state in states where state.skip != nil || state.unsupported != nil { record(state) }

        var boots = 0
        let groups = VMPlan.groups(states.filter { $0.skip == nil && $0.unsupported == nil }.map(\.slot)) { slot in
            (context.vmm(for: slot.cell).path ?? "") + "|" + context.image(for: slot.cell).directory
        }
        for (index, group) in groups.enumerated() {
            var groupStates = group.compactMap { byKey[key($0.variant.name, $0.cell)] }
            let groupKeys = Set(group.map { key($0.variant.name, $0.cell) })
            var groupSteps = steps.filter { groupKeys.contains(key($0.variant, $0.cell)) }
            // A VM torn down under one share (its daemon died, or QEMU stopped) hands back the
            // other shares' remaining steps: they go on in a fresh VM. Each round loses at least
            // the share it was torn down under, so this ends.
            var round = 0
            while true {
                let vmRun = VMGroupRun(index: index + round * groups.count, states: groupStates, steps: groupSteps, run: run,
                                       context: context, emulator: group.first.flatMap { context.vmm(for: $0.cell).path },
                                       image: group.first.map { context.image(for: $0.cell) } ?? context.image,
                                       options: options, trees: trees, display: display, store: store, record: record)
                let outcome = vmRun.execute()
                if outcome.booted { boots += 1 }
                guard !outcome.moved.isEmpty else { break }
                let movedKeys = Set(outcome.moved.map { key($0.variant, $0.cell) })
                groupStates = groupStates.filter { movedKeys.contains(key($0.slot.variant.name, $0.slot.cell)) }
                for state in groupStates { state.moveToNewVM() }
                groupSteps = outcome.moved
                round += 1
                log("strait: \(groupStates.count) share(s) go on in a fresh VM: \(outcome.moved.count) step(s) left")
            }
        }
        for step in steps {
            if let state = byKey[key(step.variant, step.cell)], let why = state.skip.map({ "skipped: \($0)" })
                ?? state.unsupported.map({ "unsupported: \($0)" }) {
                display.begin(step)
                display.end(step, outcome: why)
            }
        }
        return boots
    }

    /// One share per cell and variant, each with its own host directory; cells that cannot run
    /// here (DAX without a window, sshfs not set up, a missing daemon) are skipped with the reason.
    func makeSlots(expansion: Expansion, run: Run, context: RunContext) throws(RunnerError) -> [SlotState] {
        var states: [SlotState] = []
        for (ci, cell) in expansion.cells.enumerated() {
            for (vi, variant) in options.variants.enumerated() {
                let suffix = options.variants.count == 1 ? "" : String(UnicodeScalar(UInt8(97 + vi % 26)))
                let slot = ShareSlot(variant: variant, cell: cell, key: "fs\(ci)\(suffix)")
                let dir: String
                do { dir = try run.makeDirectory("share-" + slot.key, mode: 0o777) } catch { throw RunnerError(.io, "cannot make the share directory", cause: error) }
                chmod(dir, 0o777)
                let state = SlotState(slot: slot, hostDir: dir, workloads: expansion.workloads)
                state.vmm = context.vmm(for: cell).version
                let image = context.image(for: cell)
                state.image = "\(image.recipeName) (kernel \(image.kernelVersion))"
                state.unsupported = cell.daxUnsupportedReason ?? cell.queuesUnsupportedReason
                state.skip = (cell.mapsThroughWindow ? context.daxRefusal : nil)
                    ?? context.vmmSkipReason(cell)
                    ?? cell.skipReason(daxVMM: context.daxQEMU?.path)
                    ?? (cell.backend == .sshfs ? context.sshfsMissing : nil)
                    ?? variant.binaries.missing(for: cell)
                states.append(state)
            }
        }
        return states
    }
}
