/// Medians and bootstrap confidence intervals over rounds.
enum Statistics {
    static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted()
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }

    /// Ratio of medians a/b with a percentile-bootstrap 95% interval: rounds of each daemon are
    /// resampled with replacement (seeded, so a rerun on the same numbers gives the same CI).
    static func medianRatio(_ a: [Double], _ b: [Double], resamples: Int = 5000, seed: UInt64 = 42)
        -> (median: Double, low: Double, high: Double) {
        let mb = median(b)
        guard !a.isEmpty, !b.isEmpty, mb > 0 else { return (0, 0, 0) }
        let point = median(a) / mb
        var rng = SplitMix(seed: seed)
        var ratios: [Double] = []
        ratios.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let ra = (0..<a.count).map { _ in a[Int(rng.below(UInt64(a.count)))] }
            let rb = (0..<b.count).map { _ in b[Int(rng.below(UInt64(b.count)))] }
            let d = median(rb)
            if d > 0 { ratios.append(median(ra) / d) }
        }
        guard !ratios.isEmpty else { return (point, point, point) }
        ratios.sort()
        let lo = ratios[Int(Double(ratios.count - 1) * 0.025)]
        let hi = ratios[Int(Double(ratios.count - 1) * 0.975)]
        return (point, lo, hi)
    }
}
