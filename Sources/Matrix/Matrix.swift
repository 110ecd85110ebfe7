/// A matrix file, parsed and validated: the axes whose product gives the cells, the workloads every
/// cell runs, and what counts as a significant change.
public struct Matrix: Sendable {
    public var name: String
    public var description: String
    /// The file it came from, for messages.
    public var file: String
    public var backends: [ShareBackend]
    public var caches: [String]
    public var dax: [Dax]
    public var processing: [Processing]
    /// The VM-side axes: VMM, guest image (recipe name or `default`), request queues.
    public var vmms: [VMM] = [.default]
    public var images: [String] = ["default"]
    public var queues: [Int] = [1]
    /// Extra options per backend, appended to its command line (or mount options for 9p/sshfs).
    public var backendOptions: [ShareBackend: [String]]
    public var workloads: [Workload]
    public var repetitions: Int
    /// Repetitions per variant when `strait gate` runs this matrix. Two-sided Mann-Whitney cannot
    /// reach p < 0.05 with fewer than 4 values a side (3 against 3 gives at best p = 0.1), so a
    /// gate with fewer could never see a regression.
    public var gateRepetitions: Int
    public var exclude: [CellRule]
    public var include: [Cell]
    public var tolerances: Tolerances
    /// Smaller sizes and runtimes for CI and quick checks (`strait run --quick`).
    public var quick: QuickProfile?
    /// The host-speed layer (no VM), when the matrix has one.
    public var load: LoadSpec?
    /// `dax-window: SIZE`: the window of every straitd DAX cell (as `--dax-window=SIZE` in its
    /// options, so the run document records it); nil = `Cell.defaultDaxWindow`.
    public var daxWindow: String?

    public init(
        name: String, description: String = "", file: String = "<matrix>", backends: [ShareBackend], caches: [String],
        dax: [Dax] = [.off], processing: [Processing] = [.inline], backendOptions: [ShareBackend: [String]] = [:],
        workloads: [Workload], repetitions: Int = 1, exclude: [CellRule] = [], include: [Cell] = [],
        tolerances: Tolerances = Tolerances()
    ) {
        self.name = name
        self.description = description
        self.file = file
        self.backends = backends
        self.caches = caches
        self.dax = dax
        self.processing = processing
        self.backendOptions = backendOptions
        self.workloads = workloads
        self.repetitions = repetitions
        self.gateRepetitions = max(repetitions, Self.minimumGateRepetitions)
        self.exclude = exclude
        self.include = include
        self.tolerances = tolerances
    }
}

extension Matrix {
    /// The fewest repetitions per side with which a significant change can be detected at all.
    public static let minimumGateRepetitions = 4
}

/// A condition on axes: matches a cell when every named axis has one of the listed values.
public struct CellRule: Sendable, Hashable {
    public var conditions: [Axis: Set<String>]
    /// Line of the rule in its file, so a dropped cell can say which rule dropped it.
    public var line: Int?

    public init(_ conditions: [Axis: Set<String>], line: Int? = nil) {
        self.conditions = conditions
        self.line = line
    }

    public func matches(_ cell: Cell) -> Bool {
        conditions.allSatisfy { axis, values in values.contains(cell.value(of: axis)) }
    }
}

/// Per-metric tolerances as fractions (0.1 = 10%): a change smaller than this is no change,
/// however significant.
public struct Tolerances: Sendable, Codable, Hashable {
    public var defaultFraction: Double
    /// Keyed by a full metric name (`read.bw`) or its kind (`bw`, `iops`, `clat_p99`, `seconds`).
    public var perMetric: [String: Double]

    public init(defaultFraction: Double = 0.10, perMetric: [String: Double] = [:]) {
        self.defaultFraction = defaultFraction
        self.perMetric = perMetric
    }

    /// Exact name first, then the kind after the direction prefix, then the default.
    public func fraction(for metric: String) -> Double {
        if let exact = perMetric[metric] { return exact }
        if let dot = metric.firstIndex(of: "."), let kind = perMetric[String(metric[metric.index(after: dot)...])] {
            return kind
        }
        return defaultFraction
    }

    /// Metric kinds a matrix may name.
    public static let knownKinds: Set<String> = ["bw", "iops", "clat_p50", "clat_p99", "clat_p99.9", "seconds", "instructions"]
}
