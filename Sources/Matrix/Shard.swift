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

    /// Estimated seconds of the cells of every shard of an n-way split (what the balance uses).
    public func shardCosts(count: Int) -> [Double] {
        var load = [Double](repeating: 0, count: count)
        for (cell, shard) in zip(cells, shardAssignment(count: count)) {
            load[shard] += CellCost.seconds(cell, workloads: workloads, repetitions: repetitions)
        }
        return load
    }

    /// Estimated wall time of every shard of an n-way split, for `strait list --shards`: its
    /// cells plus its VM boots (`CellCost.runSeconds`).
    public func shardEstimates(count: Int) -> [Double] {
        let assignment = shardAssignment(count: count)
        return (0..<count).map { shard in
            CellCost.runSeconds(cells.indices.filter { assignment[$0] == shard }.map { cells[$0] },
                                workloads: workloads, repetitions: repetitions)
        }
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

    /// One VM's boot (boot-to-SSH 67-100 s in the measured queue and libaio runs, with other
    /// engineers' builds beside them; 32-47 s on a quiet machine) and the run's own setup and
    /// teardown (15-40 s in those runs).
    static let perBoot = 100.0

    public static func seconds(_ cell: Cell, workloads: [Workload], repetitions: Int) -> Double {
        // A cell its daemon cannot serve (a peer offered request queues or a DAX window) is
        // recorded `unsupported` without running: 0 s in every measured run.
        if cell.daxUnsupportedReason != nil || cell.queuesUnsupportedReason != nil { return 0 }
        return perCell + firstLayout(cell, workloads: workloads)
            + Double(max(repetitions, 1)) * workloads.reduce(0) { $0 + perStep + seconds(cell, $1) }
    }

    /// A run's (or one shard's) wall time: its cells and a boot per VM. Cells share a VM when they
    /// have the same VMM and image, up to 16 of them; unsupported cells boot nothing.
    public static func runSeconds(_ cells: [Cell], workloads: [Workload], repetitions: Int) -> Double {
        var machines: [String: Int] = [:]
        for cell in cells where cell.daxUnsupportedReason == nil && cell.queuesUnsupportedReason == nil {
            machines["\(cell.vmm?.rawValue ?? "")|\(cell.image ?? "")|\(cell.dax != .off)", default: 0] += 1
        }
        let boots = machines.values.reduce(0) { $0 + ($1 + 15) / 16 }
        return Double(boots) * perBoot + cells.reduce(0) { $0 + seconds($1, workloads: workloads, repetitions: repetitions) }
    }

    /// fio lays its files out once per cell, in the cell's first fio step (the later steps reuse
    /// them), and under TCG those writes through a virtio-fs daemon are slow: 64 MiB took 20-108 s
    /// over the three daemons (cache=auto; libaio-q, libaio-q2) and 4 x 8 MiB 8-42 s (queues-q-r2,
    /// -s1, -s2), about `layoutMBPerSecond`; the first step of each of those cells ran that much
    /// longer than its later ones (docs/results/runs/*.log). The per-step rates above were fitted
    /// without it (sshfs's includes its layouts); 9p's was not measured.
    /// Other backends' time-based jobs lay out at their transfer rate (no per-step charge covers it).
    static func firstLayout(_ cell: Cell, workloads: [Workload]) -> Double {
        let daemon = [.straitd, .virtiofsdC, .virtiofsdRust].contains(cell.backend)
        return workloads.compactMap { w -> Double? in
            guard case .fio(let job) = w, daemon || job.timeBased else { return nil }
            let bytes = Double(job.layout.jobs) * (byteCount(job.size) ?? 64 * 1_048_576)
            return bytes / ((daemon ? layoutMBPerSecond : mbPerSecond(cell)) * 1_048_576)
        }.max() ?? 0
    }

    static let layoutMBPerSecond = 1.2

    static func seconds(_ cell: Cell, _ workload: Workload) -> Double {
        switch workload {
        case .fio(let job):
            let bytes = Double(job.layout.jobs) * (byteCount(job.size) ?? 64 * 1_048_576)
            let layout = bytes / (mbPerSecond(cell) * 1_048_576)
            // A time-based job runs its runtime on files laid out once per cell (`firstLayout`);
            // the others keep the effective per-step charge the nightly's fit was made with.
            if job.timeBased { return Double(job.runtime) }
            return layout + min(Double(job.runtime), layout * (job.engine == .mmap ? 2 : 1))
        case .tar(let tar):
            return 5 + Double(tar.files) * perFile(cell)
        case .meta(let meta):
            // create, git add + commit, find + stat, status, rm: `metaPerFile`.
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

    /// Seconds per file of the whole meta step (all phases and the untimed git setup), as measured
    /// here on 2,000 files in 200 directories (the nightly's tree): straitd cache=auto 306 s in the
    /// first repetition (0.15 s a file; 78 s in the second, the host's caches warm), nightly shard
    /// 10/23 (docs/results/runs/nightly-s10of23.log); native 0.033 s (an earlier run). Cached peers take
    /// straitd's figure; cache=none, 9p and sshfs 0.25 s is an allowance, not a measurement.
    /// Directories are not modelled: `meta --quick` keeps the 70k tree's 14,000 directories for
    /// 2,000 files, and its straitd step took about 9 min (0.27 s a file, matrices/meta.yaml),
    /// native 1 min; an estimate of that profile is low by up to 2x.
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
