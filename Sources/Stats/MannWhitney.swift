import Glibc

/// Mann-Whitney U test, two-sided, computed as scipy.stats.mannwhitneyu does by default: exact
/// when either sample has at most 8 values and there are no ties, otherwise the normal
/// approximation with tie correction and continuity correction.
public struct MannWhitney: Sendable, Codable, Hashable {
    public enum Method: String, Sendable, Codable { case exact, asymptotic }

    /// U of the first sample: the number of (x, y) pairs with x > y, ties counting one half.
    public var u1: Double
    public var u2: Double
    public var pValue: Double
    public var method: Method
    /// The standardised statistic (asymptotic method only).
    public var z: Double?

    /// Largest n1*n2 for which the exact distribution is computed (scipy has no cap; beyond this
    /// the normal approximation is used, which at these sizes differs in the third digit at most).
    static let exactLimit = 4_000

    public static func test(_ x: [Double], _ y: [Double]) throws(StatsError) -> MannWhitney {
        _ = try Descriptive.checked(x)
        _ = try Descriptive.checked(y)
        let n1 = Double(x.count)
        let n2 = Double(y.count)
        let (ranks, tieCounts) = rank(x + y)
        let r1 = ranks[0..<x.count].reduce(0, +)
        let u1 = r1 - n1 * (n1 + 1) / 2
        let u2 = n1 * n2 - u1
        let u = max(u1, u2)
        let hasTies = tieCounts.contains { $0 > 1 }
        if !hasTies, usesExact(x.count, y.count) {
            return MannWhitney(u1: u1, u2: u2, pValue: exactP(u, x.count, y.count), method: .exact, z: nil)
        }
        let n = n1 + n2
        let tieTerm = tieCounts.reduce(0.0) { $0 + (Double($1) * Double($1) * Double($1) - Double($1)) }
        let (p, z) = asymptotic(u, n1, n2, tieTerm: tieTerm / (n * (n - 1)))
        return MannWhitney(u1: u1, u2: u2, pValue: p, method: .asymptotic, z: z)
    }

    /// Whether `test` computes the exact distribution for these sizes (when nothing ties).
    static func usesExact(_ n: Int, _ m: Int) -> Bool { !(n > 8 && m > 8) && n * m <= exactLimit }

    /// Two-sided exact p for U = u (the larger of the two U's).
    static func exactP(_ u: Double, _ n: Int, _ m: Int) -> Double {
        // The null distribution is symmetric in the two sizes; the smaller one keeps the table small.
        min(max(exactSurvival(Int(u.rounded()), min(n, m), max(n, m)) * 2, 0), 1)
    }

    /// Two-sided p and z of the normal approximation with continuity correction; `tieTerm` is
    /// sum(t^3 - t) / (N (N - 1)) over the groups of ties.
    static func asymptotic(_ u: Double, _ n1: Double, _ n2: Double, tieTerm: Double) -> (p: Double, z: Double) {
        let variance = n1 * n2 / 12 * ((n1 + n2 + 1) - tieTerm)
        guard variance > 0 else { return (1, 0) }
        let z = (u - n1 * n2 / 2 - 0.5) / variance.squareRoot()
        return (min(max(2 * normalSurvival(z), 0), 1), z)
    }

    /// Two-sided p for U = u at sizes n and m with no ties, as `test` would compute it.
    static func untiedP(_ u: Double, _ n: Int, _ m: Int) -> Double {
        usesExact(n, m) ? exactP(u, n, m) : asymptotic(u, Double(n), Double(m), tieTerm: 0).p
    }

    /// Average ranks (1-based) and the size of every group of equal values.
    static func rank(_ values: [Double]) -> (ranks: [Double], ties: [Int]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var ties: [Int] = []
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = average }
            ties.append(end - start + 1)
            start = end + 1
        }
        return (ranks, ties)
    }

    /// P(U >= u) under the null hypothesis for sample sizes m and n, by counting arrangements:
    /// c(i, j, u) = c(i-1, j, u-j) + c(i, j-1, u) (the largest value is an x, or it is a y).
    static func exactSurvival(_ u: Int, _ m: Int, _ n: Int) -> Double {
        let maxU = m * n
        if u <= 0 { return 1 }
        if u > maxU { return 0 }
        // counts[i][k]: arrangements of i x's and the first j y's with U = k (j advances outside).
        var counts = [[Double]](repeating: [Double](repeating: 0, count: maxU + 1), count: m + 1)
        for i in 0...m { counts[i][0] = 1 }  // j = 0: only U = 0
        if n > 0 {
            for j in 1...n {
                guard m > 0 else { break }
                for i in 1...m {
                    for k in stride(from: maxU, through: 0, by: -1) {
                        let fromX = k >= j ? counts[i - 1][k - j] : 0
                        counts[i][k] += fromX
                    }
                }
            }
        }
        let row = counts[m]
        let total = row.reduce(0, +)
        let tail = row[u...maxU].reduce(0, +)
        return tail / total
    }

    /// Upper tail of the standard normal.
    static func normalSurvival(_ z: Double) -> Double {
        0.5 * erfc(z / 2.0.squareRoot())
    }
}
