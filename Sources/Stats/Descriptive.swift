/// Medians and quantiles: the centre of noisy in-guest measurements, robust to the odd outlier.
public enum Descriptive {
    /// The median; the mean of the two middle values for an even count.
    public static func median(_ values: [Double]) throws(StatsError) -> Double {
        let sorted = try checked(values).sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Quantile by linear interpolation between order statistics (numpy's default, "type 7").
    public static func quantile(_ values: [Double], _ q: Double) throws(StatsError) -> Double {
        let sorted = try checked(values).sorted()
        let position = min(max(q, 0), 1) * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    static func checked(_ values: [Double]) throws(StatsError) -> [Double] {
        guard !values.isEmpty else { throw StatsError(.empty, "no samples") }
        guard values.allSatisfy(\.isFinite) else { throw StatsError(.nonFinite, "samples must be finite") }
        return values
    }
}
