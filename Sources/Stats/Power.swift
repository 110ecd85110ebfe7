import Glibc

/// What one comparison could have seen: the smallest relative change its test would have called
/// significant (with `Power.defaultPower` probability) at the repetitions it ran, from the spread
/// it observed, inside a family of `family` tests.
public struct Detectability: Sendable, Codable, Hashable {
    /// Smallest detectable relative change (0.1 = 10%); nil when no change, however large, can be
    /// significant at these sizes (the smallest achievable p is not below `threshold`).
    public var minimumDetectable: Double?
    /// Pooled relative spread of the two samples (standard deviation over median).
    public var spread: Double
    /// Smallest two-sided Mann-Whitney p at these sizes (the samples entirely apart, no ties).
    public var minimumP: Double
    /// The p a lone change must beat: alpha / family (Holm's first step).
    public var threshold: Double
    public var family: Int
    public var baselineCount: Int
    public var candidateCount: Int

    /// Whether a change of `tolerance` could go unseen: the cell cannot vouch for "no change".
    public func isBlind(tolerance: Double) -> Bool { minimumDetectable.map { $0 > tolerance } ?? true }

    /// "12%", or "nothing (min p 0.029 >= 0.00167)" when no change can be significant.
    public var summary: String {
        guard let mde = minimumDetectable else {
            return "nothing (\(baselineCount) vs \(candidateCount): min p \(Power.format(minimumP)) >= \(Power.format(threshold)))"
        }
        return Power.percent(mde)
    }
}

/// Power of the two-sided Mann-Whitney test against a shift, by Noether's normal approximation:
/// a change is detectable when E[U] - nm/2 = nm (P - 1/2) reaches (z(1 - a/2) + z(power)) sd(U),
/// with P = P(candidate > baseline) = Phi(d / sqrt 2) for a shift of d standard deviations. Below
/// that, the exact smallest p at n vs m bounds everything: if it is not below the threshold, the
/// cell is blind to any change. The approximation errs on the blind side at very small sizes.
public enum Power {
    public static let defaultPower = 0.8

    /// Smallest two-sided p the test gives for n vs m (computed by the test itself on two samples
    /// that lie entirely apart): 2 / C(n+m, n) where exact; 0.029 for 4 vs 4.
    public static func minimumP(_ n: Int, _ m: Int) -> Double {
        guard n > 0, m > 0 else { return 1 }
        let x = (0..<n).map(Double.init), y = (0..<m).map { Double(n + $0) }
        return (try? MannWhitney.test(x, y).pValue) ?? 1
    }

    /// Pooled relative spread: each side's sample standard deviation over its median, pooled by
    /// degrees of freedom. Infinite when neither side has two values or a median is zero.
    public static func relativeSpread(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0, df = 0
        for sample in [a, b] where sample.count > 1 {
            guard let median = try? Descriptive.median(sample), median != 0 else { return .infinity }
            let mean = sample.reduce(0, +) / Double(sample.count)
            let squares = sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            sum += squares / (median * median)
            df += sample.count - 1
        }
        return df > 0 ? (sum / Double(df)).squareRoot() : .infinity
    }

    /// The smallest relative change detectable at n vs m with relative spread `spread`, for a test
    /// that must reach p < `threshold`; nil when none is.
    public static func minimumDetectable(
        n: Int, m: Int, spread: Double, threshold: Double, power: Double = defaultPower
    ) -> Double? {
        guard n > 0, m > 0, spread.isFinite, minimumP(n, m) < threshold else { return nil }
        let nn = Double(n), mm = Double(m)
        let excess = (normalQuantile(1 - threshold / 2) + normalQuantile(power)) * ((nn + mm + 1) / (12 * nn * mm)).squareRoot()
        let p = 0.5 + excess
        guard p < 1 else { return nil }
        return spread * 2.0.squareRoot() * normalQuantile(p)
    }

    public static func detectability(
        baseline: [Double], candidate: [Double], family: Int = 1, alpha: Double = Comparison.alpha,
        power: Double = defaultPower
    ) -> Detectability {
        let spread = relativeSpread(baseline, candidate)
        return detectability(n: baseline.count, m: candidate.count, spread: spread, family: family, alpha: alpha, power: power)
    }

    public static func detectability(
        n: Int, m: Int, spread: Double, family: Int, alpha: Double = Comparison.alpha, power: Double = defaultPower
    ) -> Detectability {
        let threshold = alpha / Double(max(family, 1))
        return Detectability(
            minimumDetectable: minimumDetectable(n: n, m: m, spread: spread, threshold: threshold, power: power),
            spread: spread, minimumP: minimumP(n, m), threshold: threshold, family: max(family, 1),
            baselineCount: n, candidateCount: m)
    }

    /// Repetitions a side (n vs n) for a family of `family` tests to detect a change of `tolerance`
    /// at relative spread `spread`; nil beyond `limit`.
    public static func repetitionsNeeded(
        spread: Double, tolerance: Double, family: Int, alpha: Double = Comparison.alpha,
        power: Double = defaultPower, limit: Int = 2000
    ) -> Int? {
        let threshold = alpha / Double(max(family, 1))
        var low = 2, high = limit
        guard let top = minimumDetectable(n: high, m: high, spread: spread, threshold: threshold, power: power),
            top <= tolerance
        else { return nil }
        // The detectable change shrinks as n grows once it exists; find the first n where it fits.
        while low < high {
            let mid = (low + high) / 2
            if let mde = minimumDetectable(n: mid, m: mid, spread: spread, threshold: threshold, power: power), mde <= tolerance {
                high = mid
            } else {
                low = mid + 1
            }
        }
        return low
    }

    /// Markdown table of `repetitionsNeeded` (docs/gate.md's, regenerated by StatsTests' PowerTests).
    public static func table(
        spreads: [Double] = [0.02, 0.05, 0.10, 0.20], tolerances: [Double] = [0.05, 0.10], families: [Int] = [1, 30]
    ) -> String {
        var out = "| Spread | " + families.flatMap { f in tolerances.map { "tol \(percent($0)), \(f) test\(f == 1 ? "" : "s")" } }.joined(separator: " | ") + " |\n"
        out += "|---|" + String(repeating: "---|", count: families.count * tolerances.count) + "\n"
        for s in spreads {
            let cells = families.flatMap { f in
                tolerances.map { t in repetitionsNeeded(spread: s, tolerance: t, family: f).map(String.init) ?? "> 2000" }
            }
            out += "| \(percent(s)) | " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// Inverse of the standard normal distribution function, by bisection on erfc (to 1e-12).
    public static func normalQuantile(_ q: Double) -> Double {
        guard q > 0, q < 1 else { return q <= 0 ? -.infinity : .infinity }
        var low = -40.0, high = 40.0
        for _ in 0..<200 where high - low > 1e-12 {
            let mid = (low + high) / 2
            if 0.5 * erfc(-mid / 2.0.squareRoot()) < q { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    static func percent(_ fraction: Double) -> String {
        let p = fraction * 100
        return p >= 10 || p == p.rounded() ? "\(Int(p.rounded()))%" : "\(Double(Int((p * 10).rounded())) / 10)%"
    }

    static func format(_ p: Double) -> String {
        // Three significant digits without Foundation.
        guard p > 0 else { return "0" }
        var scale = 1.0, digits = 0
        while p * scale < 100 && digits < 12 { scale *= 10; digits += 1 }
        let rounded = (p * scale).rounded() / scale
        return "\(rounded)"
    }
}
