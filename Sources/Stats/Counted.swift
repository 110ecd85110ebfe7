/// Counted metrics (instructions per operation under valgrind) are not samples of a noisy
/// distribution: the same binary gives the same count, up to rare one-sided bursts (a run that
/// counts more, never less). Mann-Whitney and Holm are the wrong tools for them: 3 counts a side
/// can never reach significance, and nothing random needs controlling. Their rule instead:
/// - the estimate of a side is its smallest count (the cleanest run);
/// - the noise band is the largest, over both sides, of (second smallest / smallest - 1): how far
///   apart the two cleanest runs of one binary were; it is the smallest change the comparison can
///   tell from noise (`Detectability.minimumDetectable`), and a band beyond the tolerance makes
///   the comparison blind; fewer than 2 counts a side gives no band and is blind too;
/// - a regression is a ratio of the estimates beyond the tolerance in the bad direction (and an
///   improvement in the good one) when the comparison is not blind.
public enum Counted {
    public static let kinds: Set<String> = ["instructions"]

    public static func isCounted(_ metric: String) -> Bool {
        kinds.contains(metric.split(separator: ".", maxSplits: 1).last.map(String.init) ?? metric)
    }

    /// (second smallest / smallest - 1), or nil with fewer than two positive counts.
    public static func band(_ xs: [Double]) -> Double? {
        let sorted = xs.sorted()
        guard sorted.count >= 2, sorted[0] > 0 else { return nil }
        return sorted[1] / sorted[0] - 1
    }

    public static func compare(
        metric: String, baseline: [Double], candidate: [Double], tolerance: Double, direction: Direction? = nil
    ) throws(StatsError) -> MetricComparison {
        let direction = direction ?? Direction.of(metric: metric)
        let test = try MannWhitney.test(candidate, baseline)
        guard let b = baseline.min(), let c = candidate.min() else { throw StatsError(.empty, "no counts") }
        let ratio = b > 0 ? Interval(estimate: c / b, low: c / b, high: c / b) : nil
        let bands = [band(baseline), band(candidate)]
        let noise = bands.contains { $0 == nil } ? nil : bands.compactMap { $0 }.max()
        let detectability = Detectability(
            minimumDetectable: noise, spread: noise ?? .infinity, minimumP: 0, threshold: Comparison.alpha, family: 1,
            baselineCount: baseline.count, candidateCount: candidate.count)
        var comparison = MetricComparison(
            metric: metric, direction: direction,
            baseline: Interval(estimate: b, low: b, high: baseline.max() ?? b),
            candidate: Interval(estimate: c, low: c, high: candidate.max() ?? c),
            ratio: ratio, test: test, tolerance: tolerance, verdict: .noChange, detectability: detectability)
        comparison.verdict = verdict(comparison)
        return comparison
    }

    /// The rule above on a comparison made by `compare`.
    public static func verdict(_ c: MetricComparison) -> Verdict {
        guard let ratio = c.ratio?.estimate, let d = c.detectability, !d.isBlind(tolerance: c.tolerance) else { return .noChange }
        let worse = c.direction == .higherIsBetter ? ratio < 1 - c.tolerance : ratio > 1 + c.tolerance
        let better = c.direction == .higherIsBetter ? ratio > 1 + c.tolerance : ratio < 1 - c.tolerance
        return worse ? .regression : better ? .improvement : .noChange
    }
}
