/// Whether a bigger number is good news.
public enum Direction: String, Sendable, Codable, Hashable {
    case higherIsBetter = "higher"
    case lowerIsBetter = "lower"

    /// Bandwidth and IOPS go up when things improve; latencies and durations go down.
    public static func of(metric: String) -> Direction {
        let kind = metric.split(separator: ".", maxSplits: 1).last.map(String.init) ?? metric
        if kind.hasPrefix("clat") || kind.hasSuffix("seconds") || kind.hasSuffix("latency") || kind == "instructions" { return .lowerIsBetter }
        return .higherIsBetter
    }
}

/// One metric, baseline against candidate.
public struct MetricComparison: Sendable, Codable, Hashable {
    public var metric: String
    public var direction: Direction
    public var baseline: Interval
    public var candidate: Interval
    /// candidate / baseline medians with the bootstrap interval; nil when the baseline median is zero.
    public var ratio: Interval?
    public var test: MannWhitney
    public var tolerance: Double
    public var verdict: Verdict
    /// Holm-adjusted p within the gate's family of tests (nil before `GatePolicy.control`).
    public var adjustedP: Double? = nil
    /// The smallest change this comparison could have detected (family of one until
    /// `GatePolicy.control` sets the gate's family).
    public var detectability: Detectability? = nil
}

public enum Comparison {
    public static let alpha = 0.05

    /// Compares two sets of repetitions. A change is a regression (or improvement) only when the
    /// Mann-Whitney p-value is below `alpha` and the ratio of medians is beyond the tolerance in the
    /// bad (or good) direction; anything else is no change.
    public static func compare(
        metric: String, baseline: [Double], candidate: [Double], tolerance: Double,
        direction: Direction? = nil, seed: UInt64 = Bootstrap.defaultSeed
    ) throws(StatsError) -> MetricComparison {
        if Counted.isCounted(metric) {
            return try Counted.compare(metric: metric, baseline: baseline, candidate: candidate, tolerance: tolerance, direction: direction)
        }
        let direction = direction ?? Direction.of(metric: metric)
        let test = try MannWhitney.test(candidate, baseline)
        let ratio = try? Bootstrap.ratioOfMediansInterval(candidate: candidate, baseline: baseline, seed: seed)
        let verdict = classify(ratio: ratio?.estimate, p: test.pValue, tolerance: tolerance, direction: direction)
        return MetricComparison(
            metric: metric, direction: direction,
            baseline: try Bootstrap.medianInterval(baseline, seed: seed),
            candidate: try Bootstrap.medianInterval(candidate, seed: seed),
            ratio: ratio, test: test, tolerance: tolerance, verdict: verdict,
            detectability: Power.detectability(baseline: baseline, candidate: candidate))
    }

    /// The verdict rule on its own, so reports and tests can state it without samples.
    public static func classify(ratio: Double?, p: Double, tolerance: Double, direction: Direction) -> Verdict {
        guard let ratio, p < alpha else { return .noChange }
        let better = direction == .higherIsBetter ? ratio > 1 + tolerance : ratio < 1 - tolerance
        let worse = direction == .higherIsBetter ? ratio < 1 - tolerance : ratio > 1 + tolerance
        if worse { return .regression }
        if better { return .improvement }
        return .noChange
    }

    /// A cell's verdict from its metrics: any regression wins, then any improvement; no metrics
    /// (nothing to compare against) is a plain pass.
    public static func cellVerdict(_ metrics: [MetricComparison]) -> Verdict {
        if metrics.isEmpty { return .pass }
        if metrics.contains(where: { $0.verdict == .regression }) { return .regression }
        if metrics.contains(where: { $0.verdict == .improvement }) { return .improvement }
        return .noChange
    }
}
