import Foundation
import Libvirt
import Matrix
import Reports
import Results

/// Everything a matrix run needs to know besides the matrix itself.
public struct RunOptions: Sendable {
    public var variants: [Variant]
    public var filter: CellFilter?
    /// Run only this shard of the (filtered) cells; the document records which.
    public var shard: Shard?
    /// `<results>/runs/*.json` and `<results>/history.sqlite`.
    public var resultsRoot: String
    public var recipe: String
    public var uri: String = Connection.defaultURI
    /// Repetitions per cell and workload; nil takes the matrix's.
    public var repetitions: Int?
    public var order: Schedule.Order = .repetitionMajor
    public var vcpus = 2
    public var memoryMiB = 1024
    public var runID: String?
    /// Rounds per variant of the host-speed cells; nil takes the matrix's `load.rounds`.
    public var loadRounds: Int?
    /// Leave out the host-speed layer (`load:`).
    public var skipLoad = false
    /// A file to flock(2) while the VM cells run (and only then): `--vm-lock`.
    public var vmLock: String?
    /// The strait-load binary the host-speed layer runs.
    public var straitLoad: String = RunOptions.defaultStraitLoad
    public var log: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
    /// Progress display for `total` steps; nil for the default on standard error.
    public var progress: (@Sendable (Int) -> ProgressDisplay)?

    public init(variants: [Variant], resultsRoot: String, recipe: String) {
        self.variants = variants
        self.resultsRoot = resultsRoot
        self.recipe = recipe
    }
}

/// What a run produced: one document per variant (already written and in the history).
public struct RunOutcome: Sendable {
    public var runID: String
    public var documents: [String: RunDocumentRef]
    public var seconds: Double
    public var vmBoots: Int
    /// Seconds per layer (`host-speed`, `e2e`), for the gate's time budget.
    public var layerSeconds: [String: Double] = [:]
}

/// A variant's finished document and where it was written.
public struct RunDocumentRef: Sendable {
    public var document: RunDocument
    public var path: String
}
