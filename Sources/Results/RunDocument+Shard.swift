import Foundation

/// What a shard run knows about the whole it belongs to, so `strait merge` can check that the
/// shards given to it are all of one run: the same expansion, each index once, none missing.
public struct ShardInfo: Sendable, Codable, Hashable {
    /// 1-based, as on the command line.
    public var index: Int
    public var count: Int
    /// This shard's cell ids, in expansion order.
    public var cells: [String]
    /// Every cell id of the sharded expansion (after the filter), in expansion order.
    public var allCells: [String]
    public var workloads: [String]
    public var repetitions: Int

    public init(index: Int, count: Int, cells: [String], allCells: [String], workloads: [String], repetitions: Int) {
        self.index = index
        self.count = count
        self.cells = cells
        self.allCells = allCells
        self.workloads = workloads
        self.repetitions = repetitions
    }

    public var label: String { "\(index)/\(count)" }
}

/// One shard of a merged run, kept so the report can say where and when each part ran.
public struct MergedShard: Sendable, Codable, Hashable {
    public var runID: String
    public var index: Int
    public var count: Int
    public var startedAt: Date
    public var finishedAt: Date?
    public var complete: Bool
    public var host: HostFingerprint
    public var cells: [String]

    public init(runID: String, index: Int, count: Int, startedAt: Date, finishedAt: Date?, complete: Bool,
                host: HostFingerprint, cells: [String]) {
        self.runID = runID
        self.index = index
        self.count = count
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.complete = complete
        self.host = host
        self.cells = cells
    }
}
