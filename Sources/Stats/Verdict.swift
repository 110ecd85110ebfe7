/// What a cell (or one metric of it) came to. `fail` is correctness; regression and improvement
/// are significant changes beyond the tolerance; skipped, unsupported, blind and incomparable
/// always carry the reason.
public enum Verdict: Sendable, Hashable, Codable, CustomStringConvertible {
    case pass
    case fail(String)
    case regression
    case improvement
    case noChange
    case skipped(String)
    case unsupported(String)
    /// The cell could not have seen a change of its tolerance ("could only detect >= 35%").
    case blind(String)
    /// Nothing to compare the cell with (baseline missing, skipped or without data).
    case incomparable(String)
    /// A workload of a failed cell that measured nothing: the cell failed before (or while) it ran
    /// (its daemon died, its VM stopped). Never a pass, never a zero.
    case notRun(String)

    /// The label reports, JUnit and the history use.
    public var label: String {
        switch self {
        case .pass: "pass"
        case .fail: "fail"
        case .regression: "regression"
        case .improvement: "improvement"
        case .noChange: "no-change"
        case .skipped: "skipped"
        case .unsupported: "unsupported"
        case .blind: "blind"
        case .incomparable: "incomparable"
        case .notRun: "not-run"
        }
    }

    public var reason: String? {
        switch self {
        case .fail(let r), .skipped(let r), .unsupported(let r), .blind(let r), .incomparable(let r), .notRun(let r): r
        default: nil
        }
    }

    /// Whether a gate should stop a merge on it.
    public var blocksMerge: Bool {
        switch self {
        case .fail, .regression: true
        default: false
        }
    }

    public init(label: String, reason: String?) throws(StatsError) {
        switch label {
        case "pass": self = .pass
        case "fail": self = .fail(reason ?? "")
        case "regression": self = .regression
        case "improvement": self = .improvement
        case "no-change": self = .noChange
        case "skipped": self = .skipped(reason ?? "")
        case "unsupported": self = .unsupported(reason ?? "")
        case "blind": self = .blind(reason ?? "")
        case "incomparable": self = .incomparable(reason ?? "")
        case "not-run": self = .notRun(reason ?? "")
        default: throw StatsError(.empty, "unknown verdict \(label)")
        }
    }

    public var description: String { reason.map { "\(label) (\($0))" } ?? label }

    enum CodingKeys: String, CodingKey { case verdict, reason }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self = try Verdict(label: c.decode(String.self, forKey: .verdict), reason: c.decodeIfPresent(String.self, forKey: .reason))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .verdict)
        try c.encodeIfPresent(reason, forKey: .reason)
    }
}
