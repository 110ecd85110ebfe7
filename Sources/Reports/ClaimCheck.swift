import Foundation
import Stats

/// One conclusion checked on one table: in how many of the covered workloads with both values
/// the ordering holds, and the median ratio left/right. With repetitions (at least
/// `minimumSamples` a side) each workload also gets a 95% bootstrap interval, and the claim is
/// **decided** only when every workload's interval lies on one side of 1: one sample, or an
/// interval across 1, cannot tell an ordering from TCG's run-to-run noise. When both sides have
/// the same repetitions (the runner takes repetition i of every cell of a VM together, ABBA over
/// the cells), the interval is of the median of the per-repetition ratios, so drift between
/// repetitions (other work on the host) cancels; else of the ratio of the two medians. Two cells
/// measured in different runs (`origin` differs: other VMs, other times) are never paired, and
/// the conclusion says it was compared **across runs**.
struct ClaimCheck {
    /// Fewer a side and the percentile bootstrap has no spread to read an interval from.
    static let minimumSamples = 3

    struct WorkloadInterval {
        var workload: String
        var interval: Interval
        /// On the claimed side of 1 (`+1`), the other side (`-1`), or across it (0).
        var side: Int
        var paired: Bool
    }

    /// One measurement: its repetition (pooled runs number theirs on) and value.
    typealias Sample = (repetition: Int, value: Double)

    var holds = 0
    var compared = 0
    /// Compared workloads whose two cells were measured by different runs.
    var acrossRuns = 0
    var ratio: Double?
    /// One per compared workload when both sides had enough samples; else empty.
    var intervals: [WorkloadInterval] = []
    /// The fewest samples either side had over the compared workloads (nil: values only).
    var fewestSamples: Int?

    init(_ claim: PublishedReport.Claim, lowerIsBetter: Bool, workloads: [String], value: (String, String) -> Double?,
         samples: ((String, String) -> [Sample])? = nil, origin: ((String, String) -> Set<String>)? = nil) {
        var ratios: [Double] = []
        var found: [WorkloadInterval] = []
        for workload in workloads where claim.covers(workload) {
            guard let l = value(claim.left, workload), let r = value(claim.right, workload), l > 0, r > 0 else { continue }
            compared += 1
            if claim.above ? l > r : l < r { holds += 1 }
            ratios.append(l / r)
            let across = origin.map { $0(claim.left, workload) != $0(claim.right, workload) } ?? false
            if across { acrossRuns += 1 }
            guard let samples else { continue }
            let left = samples(claim.left, workload), right = samples(claim.right, workload)
            fewestSamples = min(fewestSamples ?? .max, left.count, right.count)
            guard left.count >= Self.minimumSamples, right.count >= Self.minimumSamples else { continue }
            let rightByRepetition = Dictionary(right.map { ($0.repetition, $0.value) }, uniquingKeysWith: { a, _ in a })
            let paired = !across && Set(left.map(\.repetition)) == Set(rightByRepetition.keys) && left.count == rightByRepetition.count
            let interval = paired
                ? try? Bootstrap.medianInterval(left.compactMap { l in rightByRepetition[l.repetition].map { l.value / $0 } })
                : try? Bootstrap.ratioOfMediansInterval(candidate: left.map(\.value), baseline: right.map(\.value))
            guard let interval else { continue }
            let above = interval.low > 1, below = interval.high < 1
            let side = above || below ? ((above == claim.above) ? 1 : -1) : 0
            found.append(WorkloadInterval(workload: workload, interval: interval, side: side, paired: paired))
        }
        ratio = try? Descriptive.median(ratios)
        if found.count == compared { intervals = found }
    }

    var summary: String {
        guard compared > 0 else { return "not measured" }
        var out = "\(holds)/\(compared) workloads" + (ratio.map { String(format: ", ratio %.2f", $0) } ?? "")
        if acrossRuns > 0 { out += acrossRuns == compared ? ", across runs (unpaired)" : ", \(acrossRuns) across runs (unpaired)" }
        if !intervals.isEmpty {
            out += "; " + intervals.map { w in
                w.workload + String(format: " %.2f [%.2f, %.2f]", w.interval.estimate, w.interval.low, w.interval.high)
                    + (w.paired ? " paired" : "")
            }.joined(separator: ", ")
        }
        return out
    }

    /// Holds when the claimed ordering is the majority of the workloads compared here; with
    /// intervals, decided or not as they say, else marked as not decided by the samples it had.
    var verdict: String {
        guard compared > 0 else { return "cannot tell" }
        let majority = holds * 2 > compared ? "**holds**" : "does not hold"
        guard !intervals.isEmpty else {
            guard let fewest = fewestSamples else { return majority }
            return majority + " (not decided: \(fewest) repetition\(fewest == 1 ? "" : "s"), no interval)"
        }
        let sides = intervals.map(\.side)
        if sides.allSatisfy({ $0 == 1 }) { return "**holds**, decided (every interval on the claimed side of 1)" }
        if sides.allSatisfy({ $0 == -1 }) { return "does not hold, decided (every interval on the other side of 1)" }
        let across = sides.filter { $0 == 0 }.count, against = sides.filter { $0 == -1 }.count
        if across == sides.count { return "not decided (\(sides.count == 1 ? "the interval spans" : "every interval spans") 1)" }
        return "not decided (intervals: \(sides.count - across - against) on the claimed side of 1, \(against) on the other, \(across) across it)"
    }
}
