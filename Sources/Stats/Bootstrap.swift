import Posix

/// An estimate with its confidence interval.
public struct Interval: Sendable, Codable, Hashable {
    public var estimate: Double
    public var low: Double
    public var high: Double
    public var confidence: Double

    public init(estimate: Double, low: Double, high: Double, confidence: Double = 0.95) {
        self.estimate = estimate
        self.low = low
        self.high = high
        self.confidence = confidence
    }

    public func contains(_ value: Double) -> Bool { low <= value && value <= high }
}

/// Percentile bootstrap: resample with replacement, take the statistic, read the interval off the
/// resampled distribution. Seeded so the same samples always give the same interval.
public enum Bootstrap {
    public static let defaultResamples = 2000
    public static let defaultSeed: UInt64 = 0x5754_5241_4954  // "STRAIT"

    /// 95% (by default) interval of the median of `values`.
    public static func medianInterval(
        _ values: [Double], confidence: Double = 0.95, resamples: Int = defaultResamples, seed: UInt64 = defaultSeed
    ) throws(StatsError) -> Interval {
        let estimate = try Descriptive.median(values)
        var rng = SplitMix64(seed: seed)
        var medians: [Double] = []
        medians.reserveCapacity(resamples)
        for _ in 0..<max(resamples, 1) {
            medians.append(try Descriptive.median(resample(values, &rng)))
        }
        return try interval(estimate: estimate, of: medians, confidence: confidence)
    }

    /// Interval of median(candidate) / median(baseline), resampling both groups independently.
    public static func ratioOfMediansInterval(
        candidate: [Double], baseline: [Double], confidence: Double = 0.95, resamples: Int = defaultResamples,
        seed: UInt64 = defaultSeed
    ) throws(StatsError) -> Interval {
        let base = try Descriptive.median(baseline)
        guard base != 0 else { throw StatsError(.zeroBaseline, "baseline median is zero; no ratio") }
        let estimate = try Descriptive.median(candidate) / base
        var rng = SplitMix64(seed: seed)
        var ratios: [Double] = []
        ratios.reserveCapacity(resamples)
        for _ in 0..<max(resamples, 1) {
            let b = try Descriptive.median(resample(baseline, &rng))
            let c = try Descriptive.median(resample(candidate, &rng))
            if b != 0 { ratios.append(c / b) }
        }
        guard !ratios.isEmpty else { throw StatsError(.zeroBaseline, "every resampled baseline median is zero") }
        return try interval(estimate: estimate, of: ratios, confidence: confidence)
    }

    static func resample(_ values: [Double], _ rng: inout SplitMix64) -> [Double] {
        (0..<values.count).map { _ in values[Int.random(in: 0..<values.count, using: &rng)] }
    }

    static func interval(estimate: Double, of replicates: [Double], confidence: Double) throws(StatsError) -> Interval {
        let alpha = (1 - confidence) / 2
        return Interval(
            estimate: estimate, low: try Descriptive.quantile(replicates, alpha),
            high: try Descriptive.quantile(replicates, 1 - alpha), confidence: confidence)
    }
}
