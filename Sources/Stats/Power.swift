import Glibc
import Posix

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

    /// "12%"; when nothing is detectable, why: "4 vs 4: min p 0.0286 >= 0.00167 over 30 tests",
    /// or "spread unknown" (fewer than two values a side, or a zero median).
    public var summary: String {
        if let mde = minimumDetectable { return Power.percent(mde) }
        if minimumP >= threshold {
            return "\(baselineCount) vs \(candidateCount): min p \(Power.format(minimumP)) >= \(Power.format(threshold)) over \(family) test\(family == 1 ? "" : "s")"
        }
        return spread.isFinite ? "no shift reaches the power" : "spread unknown"
    }
}

/// Power of the two-sided Mann-Whitney test against a shift of normal samples. The exact smallest
/// p at n vs m bounds everything: if it is not below the threshold, the cell is blind to any
/// change. Otherwise the smallest shift detected with probability `power` is simulated (up to
/// `simulationLimit` values in all, against the test's own critical U) or, beyond, taken from
/// Noether's normal approximation. The relative change is that shift times the relative spread.
public enum Power {
    public static let defaultPower = 0.8

    /// Smallest two-sided p the test gives for n vs m: the samples entirely apart, nothing tied;
    /// 2 / C(n+m, n) where exact, 0.029 for 4 vs 4.
    public static func minimumP(_ n: Int, _ m: Int) -> Double {
        guard n > 0, m > 0 else { return 1 }
        return MannWhitney.untiedP(Double(n * m), n, m)
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
        guard spread.isFinite, let shift = detectableShift(n: n, m: m, threshold: threshold, power: power) else { return nil }
        return spread * shift
    }

    /// Largest n + m for which the power is simulated rather than approximated.
    static let simulationLimit = 200

    /// The smallest shift, in standard deviations of normal samples, that the test detects with
    /// probability `power` at p < `threshold`; nil when no shift can be.
    public static func detectableShift(n: Int, m: Int, threshold: Double, power: Double = defaultPower) -> Double? {
        guard n > 0, m > 0, minimumP(n, m) < threshold else { return nil }
        if n + m <= simulationLimit { return simulatedShift(n: n, m: m, threshold: threshold, power: power) }
        // Noether: nm (P - 1/2) = (z(1 - a/2) + z(power)) sd(U), P = Phi(d / sqrt 2).
        let nn = Double(n), mm = Double(m)
        let p = 0.5 + (normalQuantile(1 - threshold / 2) + normalQuantile(power)) * ((nn + mm + 1) / (12 * nn * mm)).squareRoot()
        return p < 1 ? 2.0.squareRoot() * normalQuantile(p) : nil
    }

    /// Monte Carlo with common random numbers (SplitMix64, fixed seed): the same normal samples for
    /// every shift, so the power grows with the shift and bisection finds the threshold exactly.
    static func simulatedShift(n: Int, m: Int, threshold: Double, power: Double, trials: Int = 1000) -> Double? {
        let pairs = n * m
        // The smallest U the test calls significant (p falls as U grows).
        var low = (pairs + 1) / 2, high = pairs
        while low < high {
            let mid = (low + high) / 2
            if MannWhitney.untiedP(Double(mid), n, m) < threshold { high = mid } else { low = mid + 1 }
        }
        let critical = low
        var rng = SplitMix64(seed: Bootstrap.defaultSeed)
        let draws = (0..<trials).map { _ in
            ((0..<n).map { _ in normal(&rng) }.sorted(), (0..<m).map { _ in normal(&rng) }.sorted())
        }
        func detected(_ shift: Double) -> Double {
            var hits = 0
            for (base, cand) in draws {
                // U: pairs with the shifted candidate above the baseline, by merging sorted samples.
                var u = 0, i = 0
                for c in cand {
                    while i < n && base[i] < c + shift { i += 1 }
                    u += i
                }
                if u >= critical { hits += 1 }
            }
            return Double(hits) / Double(trials)
        }
        var (lo, hi) = (0.0, 64.0)
        guard detected(hi) >= power else { return nil }
        for _ in 0..<40 {
            let mid = (lo + hi) / 2
            if detected(mid) >= power { hi = mid } else { lo = mid }
        }
        return hi
    }

    /// A standard normal draw (Box-Muller).
    static func normal(_ rng: inout SplitMix64) -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        let u2 = Double.random(in: 0..<1, using: &rng)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
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

    public static func percent(_ fraction: Double) -> String {
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
