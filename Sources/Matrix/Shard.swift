/// One share of a matrix's cells for fan-out over machines: `index` of `count`, 1-based as on the
/// command line (`--shard 2/4`). The partition depends only on the expansion (cells, workloads,
/// repetitions), never on the machine, so n machines running shards 1..n of the same commit and
/// matrix together run every cell exactly once.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(MatrixError) {
        guard count >= 1, index >= 1, index <= count else {
            throw MatrixError(.invalidValue, "\(index)/\(count): want i/n with 1 <= i <= n", file: "--shard")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`.
    public init(parsing text: String) throws(MatrixError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw MatrixError(.invalidValue, "'\(text)' is not i/n (e.g. 2/4)", file: "--shard")
        }
        try self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }
}

extension Expansion {
    /// Which shard (0-based) each cell goes to: longest estimated cell first onto the least loaded
    /// shard (ties: the lower shard), cells of equal cost in expansion order. Plain round-robin
    /// would put a slow 9p cache=none cell and a fast cache=always cell on equal footing; this keeps
    /// the slowest shard, which sets the fan-out's wall time, near the mean.
    public func shardAssignment(count: Int) -> [Int] {
        let costs = cells.map { CellCost.seconds($0, workloads: workloads, repetitions: repetitions) }
        let order = cells.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
        var load = [Double](repeating: 0, count: count)
        var assignment = [Int](repeating: 0, count: cells.count)
        for cell in order {
            var target = 0
            for shard in load.indices where load[shard] < load[target] { target = shard }
            assignment[cell] = target
            load[target] += costs[cell]
        }
        return assignment
    }

    /// The cells of one shard, in expansion order; workloads and repetitions unchanged.
    public func sharded(_ shard: Shard) -> Expansion {
        let assignment = shardAssignment(count: shard.count)
        let mine = cells.indices.filter { assignment[$0] == shard.index - 1 }.map { cells[$0] }
        return Expansion(cells: mine, dropped: dropped, workloads: workloads, repetitions: repetitions)
    }

    /// Estimated seconds of every shard of an n-way split, for `strait list --shards`.
    public func shardCosts(count: Int) -> [Double] {
        var load = [Double](repeating: 0, count: count)
        for (cell, shard) in zip(cells, shardAssignment(count: count)) {
            load[shard] += CellCost.seconds(cell, workloads: workloads, repetitions: repetitions)
        }
        return load
    }
}

/// A rough, machine-independent estimate of a cell's wall time under TCG, only for balancing
/// shards: the same on every machine, so every shard agrees on the partition. Calibrated against
/// runs here (docs/runner.md): uncached backends (virtio-fs cache=none, 9p cache=none, sshfs
/// without cache) move a few MB/s, cached ones several times more; 9p and sshfs pay more per file.
public enum CellCost {
    /// Mounting, checking the configuration and unmounting a share.
    static let perCell = 20.0
    /// Dropping caches, copying the job, starting fio or tar, collecting output.
    static let perStep = 8.0

    public static func seconds(_ cell: Cell, workloads: [Workload], repetitions: Int) -> Double {
        perCell + Double(max(repetitions, 1)) * workloads.reduce(0) { $0 + perStep + seconds(cell, $1) }
    }

    static func seconds(_ cell: Cell, _ workload: Workload) -> Double {
        switch workload {
        case .fio(let job):
            let bytes = Double(job.layout.jobs) * (byteCount(job.size) ?? 64 * 1_048_576)
            let layout = bytes / (mbPerSecond(cell) * 1_048_576)
            let transfer = job.timeBased ? Double(job.runtime) : min(Double(job.runtime), layout * (job.engine == .mmap ? 2 : 1))
            return layout + transfer
        case .tar(let tar):
            return 5 + Double(tar.files) * perFile(cell)
        case .meta(let meta):
            // create, git add + commit, find + stat, status, rm, as measured here per file
            // (2,000 files, one step): native 0.033 s, C/Rust virtiofsd 0.10-0.13 s, straitd 0.27 s.
            return 10 + Double(meta.files) * metaPerFile(cell)
        }
    }

    /// Uncached transfer rate under TCG, MB/s. sshfs's is fitted to its fio steps measured here
    /// (lima-2022-tar quick: 3 single and 3 four-job 16 MiB steps, 167 s in the runner's log;
    /// docs/reproductions.md, seed-2022). Every 4 KiB request is an SFTP round trip through ssh
    /// (ciphers emulated by TCG) and QEMU's user-mode network: fio's layout of a 16 MiB file took
    /// 20-90 s. The rate is an effective one: the model charges a layout to every job, while the
    /// files are laid out once per cell and reused.
    static func mbPerSecond(_ cell: Cell) -> Double {
        switch (cell.backend, cell.cache) {
        case (.native, _): 60
        case (.sshfs, _): sshfsMBPerSecond
        case (_, "none"): 6
        case (.ninep, "mmap"): 8
        default: 20
        }
    }

    static let sshfsMBPerSecond = 2.7

    /// Seconds per file created or looked at.
    static func perFile(_ cell: Cell) -> Double {
        switch cell.backend {
        case .native: 0.001
        case .ninep: 0.012
        case .sshfs: 0.015
        default: cell.cache == "none" ? 0.008 : 0.005
        }
    }

    /// Seconds per file of the whole meta step (all phases and the untimed git setup).
    static func metaPerFile(_ cell: Cell) -> Double {
        switch cell.backend {
        case .native: 0.035
        case .ninep, .sshfs: 0.25
        default: cell.cache == "none" ? 0.25 : 0.15
        }
    }

    /// fio's size syntax: `64M`, `4G`, `512k`, plain bytes.
    static func byteCount(_ text: String) -> Double? {
        let units: [Character: Double] = ["k": 1024, "m": 1_048_576, "g": 1_073_741_824, "t": 1_099_511_627_776]
        guard let last = text.lowercased().last else { return nil }
        if let unit = units[last] { return Double(text.dropLast()).map { $0 * unit } }
        return Double(text)
    }
}
