import Yams

/// The host-speed layer of a matrix (`load:`): strait-load workloads driven straight at the
/// daemons through the in-process frontend, no VM. A wall-clock sub-layer (ops/s and p99 per
/// round) and, with `instructions:`, a counted one (valgrind instructions per operation). Each
/// backend is one cell (`straitd-auto-load`, `straitd-auto-instructions`); each workload at each
/// depth is one of its workloads (`read4k-qd16`).
public struct LoadSpec: Sendable, Hashable {
    public var backends: [ShareBackend] = [.straitd]
    public var cache = "auto"
    /// strait-load workload names.
    public var workloads: [String] = []
    public var queueDepths: [Int] = [1]
    public var seconds: Double = 1
    public var warmup: Double = 0.3
    /// Rounds per variant for `strait run` and for `strait gate`.
    public var rounds = 5
    public var gateRounds = 8
    public var instructions: InstructionSpec?
    /// Hostile-frontend fuzz cases per daemon (`strait-load --fuzz N`: N descriptor chains and
    /// N/3 vhost-user messages, seeded); any finding fails that side's `fuzz` cell.
    public var fuzz: Int?
    /// The hardening suite's hostile-guest vectors against each side (`strait-load --hostile`);
    /// any finding fails that side's `hostile` cell.
    public var hostile = false

    public init(workloads: [String] = [], queueDepths: [Int] = [1]) {
        self.workloads = workloads
        self.queueDepths = queueDepths
    }

    /// What strait-load accepts (it validates again; DAX needs a window, so it is not offered here).
    public static let knownWorkloads = [
        "getattr", "lookup", "create-unlink", "readdir", "read4k", "randread4k", "write4k", "randwrite4k", "read1m", "write1m",
    ]

    /// The cell of `backend` for this layer; `label` is `load` or `instructions`.
    public func cell(_ backend: ShareBackend, label: String) -> Cell {
        Cell(backend: backend, cache: cache, processing: nil,
             options: label == "instructions" ? Self.countedOptions(backend) ?? [] : label == "hostile" ? Self.hostileOptions(backend) : [],
             label: label)
    }

    /// What a daemon needs to run under valgrind: no sandbox (its pid namespace would hide the
    /// count from valgrind's output path) and no seccomp filter (valgrind 3.19 cannot emulate
    /// seccomp). nil: this daemon cannot drop its filter (the C virtiofsd).
    public static func countedOptions(_ backend: ShareBackend) -> [String]? {
        switch backend {
        case .straitd, .virtiofsdRust: ["--sandbox=none", "--seccomp=none"]
        default: nil
        }
    }

    /// The hostile cell's daemon also maps a DAX window where it can, so the SETUPMAPPING vector
    /// meets a real window rather than a refusal for lack of one.
    public static func hostileOptions(_ backend: ShareBackend) -> [String] {
        backend == .straitd ? ["--dax-window=16M", "--tag=hostile"] : []
    }

    /// Workload names as results carry them: `read4k-qd16`.
    public static func workloadName(_ workload: String, qd: Int) -> String { "\(workload)-qd\(qd)" }
}

/// `load.instructions`: counted runs under valgrind. Instruction counts are deterministic up to
/// thread interleavings, so few rounds suffice; the tolerance (`instructions`, default 2%) is the
/// real threshold.
public struct InstructionSpec: Sendable, Hashable {
    public var workloads: [String] = []
    public var queueDepths: [Int] = [1]
    /// Operations per counted run (the run with a fifth of them is subtracted).
    public var requests = 2000
    public var rounds = 3

    public init(workloads: [String] = [], queueDepths: [Int] = [1], requests: Int = 2000, rounds: Int = 3) {
        self.workloads = workloads
        self.queueDepths = queueDepths
        self.requests = requests
        self.rounds = rounds
    }
}

extension MatrixParser {
    func load(_ node: Node) throws(MatrixError) -> LoadSpec {
        let allowed: Set<String> = ["backends", "cache", "workloads", "qd", "seconds", "warmup", "rounds", "gate-rounds", "instructions", "fuzz", "hostile"]
        var spec = LoadSpec()
        for (key, value) in try reader.mapping(node, "load", allowed: allowed) {
            let path = "load.\(key)"
            switch key {
            case "backends":
                spec.backends = try reader.values(value, path, expected: "a virtio-fs backend (straitd, virtiofsd-c, virtiofsd-rust)") {
                    ShareBackend(rawValue: $0).flatMap { $0.isVirtioFS ? $0 : nil }
                }
            case "cache":
                let text = try reader.string(value, path)
                guard ShareBackend.straitd.cacheModes.contains(text) else {
                    throw reader.fail(.invalidValue, "'\(text)' is not a virtio-fs cache mode (none, auto, always)", value, path)
                }
                spec.cache = text
            case "workloads": spec.workloads = try loadWorkloads(value, path)
            case "qd": spec.queueDepths = try depths(value, path)
            case "seconds": spec.seconds = try seconds(value, path)
            case "warmup": spec.warmup = try seconds(value, path, allowZero: true)
            case "rounds": spec.rounds = try reader.int(value, path, min: 5)
            case "gate-rounds": spec.gateRounds = try reader.int(value, path, min: 5)
            case "fuzz": spec.fuzz = try reader.int(value, path, min: 3)
            case "hostile": spec.hostile = try reader.bool(value, path)
            default: spec.instructions = try instructions(value)
            }
        }
        if spec.workloads.isEmpty { throw reader.fail(.missingField, "load needs workloads", node, "load.workloads") }
        return spec
    }

    func instructions(_ node: Node) throws(MatrixError) -> InstructionSpec {
        var spec = InstructionSpec()
        for (key, value) in try reader.mapping(node, "load.instructions", allowed: ["workloads", "qd", "requests", "rounds"]) {
            let path = "load.instructions.\(key)"
            switch key {
            case "workloads": spec.workloads = try loadWorkloads(value, path)
            case "qd": spec.queueDepths = try depths(value, path)
            case "requests": spec.requests = try reader.int(value, path, min: 50)
            default: spec.rounds = try reader.int(value, path, min: 2)
            }
        }
        if spec.workloads.isEmpty { throw reader.fail(.missingField, "instructions need workloads", node, "load.instructions.workloads") }
        if let qd = spec.queueDepths.max(), spec.requests <= 5 * qd {
            throw reader.fail(.invalidValue, "requests must exceed 5 x the deepest qd", node, "load.instructions.requests")
        }
        return spec
    }

    private func loadWorkloads(_ node: Node, _ path: String) throws(MatrixError) -> [String] {
        try reader.values(node, path, expected: "a strait-load workload (\(LoadSpec.knownWorkloads.joined(separator: ", ")))") {
            LoadSpec.knownWorkloads.contains($0) ? $0 : nil
        }
    }

    private func depths(_ node: Node, _ path: String) throws(MatrixError) -> [Int] {
        try reader.values(node, path, expected: "a queue depth 1...256") { Int($0).flatMap { (1...256).contains($0) ? $0 : nil } }
    }

    private func seconds(_ node: Node, _ path: String, allowZero: Bool = false) throws(MatrixError) -> Double {
        let text = try reader.string(node, path)
        guard let v = Double(text), v.isFinite, allowZero ? v >= 0 : v > 0 else {
            throw reader.fail(.invalidValue, "'\(text)' is not a number of seconds", node, path)
        }
        return v
    }
}
