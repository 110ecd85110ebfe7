/// One cell as the gate sees it: both sides' verdicts and the metrics compared between them.
public struct GateCell: Sendable, Hashable {
    public var cellID: String
    /// The baseline's verdict for this cell; nil when the baseline has no such cell.
    public var baseline: Verdict?
    public var candidate: Verdict
    public var metrics: [MetricComparison]
    /// A cell that measures nothing, only passes or fails (the fuzz and hostile-guest cells): both sides passing
    /// is a pass, not "incomparable".
    public var correctnessOnly: Bool
    /// The baseline's (candidate's) `fail` was the machine's, not its daemon's: its VM never became
    /// ready while the daemon ran (`CellResult.infrastructure`). Such a side checked nothing.
    public var baselineInfrastructure: Bool
    public var candidateInfrastructure: Bool

    public init(cellID: String, baseline: Verdict?, candidate: Verdict, metrics: [MetricComparison], correctnessOnly: Bool = false,
                baselineInfrastructure: Bool = false, candidateInfrastructure: Bool = false) {
        self.cellID = cellID
        self.baseline = baseline
        self.candidate = candidate
        self.metrics = metrics
        self.correctnessOnly = correctnessOnly
        self.baselineInfrastructure = baselineInfrastructure
        self.candidateInfrastructure = candidateInfrastructure
    }
}

/// What the policy made of one cell.
public struct CellDecision: Sendable, Hashable {
    public var cellID: String
    public var verdict: Verdict
    public var blocks: Bool
    /// Only pass, no-change and improvement vouch for the candidate.
    public var passes: Bool {
        switch verdict {
        case .pass, .noChange, .improvement: !blocks
        default: false
        }
    }
}

extension CellDecision {
    /// Blind: its correctness was judged, its measurements could not see its tolerance.
    public var isBlind: Bool { verdict.label == "blind" && !blocks }
    /// A measured cell that could see its tolerance and found none beyond it (no-change, improvement).
    public var isSighted: Bool {
        switch verdict {
        case .noChange, .improvement: !blocks
        default: false
        }
    }
}

/// The gate's answer:
/// - blocked: a cell blocks;
/// - inconclusive: nothing blocks, but a cell did not run comparably on both sides (incomparable,
///   skipped, unsupported), or no measured cell could see its tolerance (every one blind);
/// - pass: every other cell vouches for the candidate, or is blind while at least one sighted cell
///   judged the candidate's cost. A blind cell's correctness (verification, fio errors, fuzz) is
///   judged like any other; only its measurements are too coarse, and it is listed as blind
///   beside the pass, never as a bare no-change (docs/gate.md, "Blind cells and a pass").
public struct GateDecision: Sendable, Hashable {
    public enum Outcome: String, Sendable { case pass, blocked, inconclusive }
    public var cells: [CellDecision]

    public var blocks: Bool { cells.contains { $0.blocks } }
    public var outcome: Outcome {
        if blocks { return .blocked }
        if cells.contains(where: { !$0.passes && !$0.isBlind }) { return .inconclusive }
        let blind = cells.filter(\.isBlind)
        return blind.isEmpty || cells.contains(where: \.isSighted) ? .pass : .inconclusive
    }
}

/// The gate's rules, in one place (the `strait gate` subcommand only prints what this decides):
/// - a correctness failure on either side blocks; a failure that was the machine's (the VM never
///   became ready while the daemons ran) makes the cell incomparable instead;
/// - a cell the baseline lacks, skipped, or gave no comparable metric for is incomparable (never a pass);
/// - the p-values of every cell x metric compared in one gate are one family, Holm-adjusted; a
///   metric regresses only when its adjusted p is below alpha and its ratio's whole bootstrap
///   interval lies beyond the tolerance (improvements likewise); a regression blocks;
/// - a cell whose smallest detectable change (at the repetitions it ran, the spread it saw and the
///   family's threshold) exceeds its tolerance is blind: reported, not a pass, blocking only with
///   `blindBlocks`.
public struct GatePolicy: Sendable, Hashable {
    public var alpha: Double
    public var power: Double
    public var blindBlocks: Bool

    public init(alpha: Double = Comparison.alpha, power: Double = Power.defaultPower, blindBlocks: Bool = false) {
        self.alpha = alpha
        self.power = power
        self.blindBlocks = blindBlocks
    }

    /// Holm-Bonferroni adjusted p-values, in the input's order: the i-th smallest p times (k - i + 1),
    /// made monotone, capped at 1.
    public static func holm(_ pValues: [Double]) -> [Double] {
        let k = pValues.count
        var adjusted = [Double](repeating: 1, count: k)
        var running = 0.0
        for (rank, index) in pValues.indices.sorted(by: { pValues[$0] < pValues[$1] }).enumerated() {
            running = max(running, min(1, Double(k - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Controls the family: sets every comparison's adjusted p, its detectability within a family
    /// of `comparisons.count`, and its verdict under the family rule.
    public func control(_ comparisons: inout [MetricComparison]) {
        // Counted metrics are no test and no member of the family (`Counted`).
        let tested = comparisons.indices.filter { !Counted.isCounted(comparisons[$0].metric) }
        let adjusted = Self.holm(tested.map { comparisons[$0].test.pValue })
        for (k, i) in tested.enumerated() {
            comparisons[i].adjustedP = adjusted[k]
            if let d = comparisons[i].detectability {
                comparisons[i].detectability = Power.detectability(
                    n: d.baselineCount, m: d.candidateCount, spread: d.spread, family: tested.count, alpha: alpha,
                    power: power)
            }
        }
        for i in comparisons.indices { comparisons[i].verdict = verdict(comparisons[i]) }
    }

    /// One metric under the family rule: the adjusted p (the raw one if not controlled yet) below
    /// alpha and the ratio's interval wholly beyond the tolerance.
    public func verdict(_ c: MetricComparison) -> Verdict {
        if Counted.isCounted(c.metric) { return Counted.verdict(c) }
        guard let ratio = c.ratio, (c.adjustedP ?? c.test.pValue) < alpha else { return .noChange }
        let (low, high) = (1 - c.tolerance, 1 + c.tolerance)
        let worse = c.direction == .higherIsBetter ? ratio.high < low : ratio.low > high
        let better = c.direction == .higherIsBetter ? ratio.low > high : ratio.high < low
        return worse ? .regression : better ? .improvement : .noChange
    }

    public func decide(_ cell: GateCell) -> CellDecision {
        func decision(_ v: Verdict, blocks: Bool = false) -> CellDecision { CellDecision(cellID: cell.cellID, verdict: v, blocks: blocks) }
        if case .fail(let why) = cell.candidate, !cell.candidateInfrastructure { return decision(.fail(why), blocks: true) }
        if case .fail(let why)? = cell.baseline, !cell.baselineInfrastructure { return decision(.fail("baseline: \(why)"), blocks: true) }
        // A side whose VM never became ready measured and verified nothing: neither a pass nor the daemon's failure.
        if case .fail(let why) = cell.candidate { return decision(.incomparable("candidate: \(why)")) }
        if case .fail(let why)? = cell.baseline { return decision(.incomparable("baseline: \(why)")) }
        switch cell.candidate {
        case .skipped, .unsupported: return decision(cell.candidate)
        default: break
        }
        guard let baseline = cell.baseline else { return decision(.incomparable("no such cell in the baseline")) }
        switch baseline {
        case .skipped(let why), .unsupported(let why): return decision(.incomparable("baseline \(baseline.label): \(why)"))
        default: break
        }
        if cell.correctnessOnly && cell.metrics.isEmpty && baseline == .pass && cell.candidate == .pass { return decision(.pass) }
        guard !cell.metrics.isEmpty else { return decision(.incomparable("no metric measured on both sides")) }
        let verdicts = cell.metrics.map(verdict)
        if verdicts.contains(.regression) { return decision(.regression, blocks: true) }
        let blind = cell.metrics.filter { $0.detectability?.isBlind(tolerance: $0.tolerance) ?? true }
        if !blind.isEmpty {
            return decision(.blind(Self.blindReason(blind)), blocks: blindBlocks)
        }
        return decision(verdicts.contains(.improvement) ? .improvement : .noChange)
    }

    public func decide(_ cells: [GateCell]) -> GateDecision { GateDecision(cells: cells.map(decide)) }

    /// "could only detect >= 35% (read.clat_p99; tolerance 10%)" for the least sensitive metric,
    /// or "could detect no change: 4 vs 4, min p 0.0286 >= 0.00167".
    static func blindReason(_ blind: [MetricComparison]) -> String {
        let worst = blind.max { ($0.detectability?.minimumDetectable ?? .infinity) < ($1.detectability?.minimumDetectable ?? .infinity) }!
        let others = blind.count > 1 ? ", and \(blind.count - 1) more" : ""
        let tolerance = "tolerance \(Power.percent(worst.tolerance))"
        guard let d = worst.detectability, let mde = d.minimumDetectable else {
            let why = worst.detectability.map { " (\($0.summary))" } ?? ""
            return "could detect no change\(why) (\(worst.metric); \(tolerance)\(others))"
        }
        return "could only detect >= \(Power.percent(mde)) (\(worst.metric); \(tolerance)\(others))"
    }
}
