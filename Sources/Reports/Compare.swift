import Matrix
import Results
import Stats

/// One metric of one workload in one cell, baseline against candidate.
public struct MetricDelta: Sendable, Hashable {
    public var cellID: String
    public var workload: String
    public var comparison: MetricComparison
}

/// `strait compare BASE CANDIDATE`: every shared metric with its ratio, interval, p-value and
/// verdict, and a verdict per candidate cell.
public struct ComparisonReport: Sendable {
    public var baseRunID: String
    public var candidateRunID: String
    public var deltas: [MetricDelta]
    /// Per candidate cell, in candidate order.
    public var cellVerdicts: [(cellID: String, verdict: Verdict)]

    public func deltas(cell: String, workload: String) -> [MetricDelta] {
        deltas.filter { $0.cellID == cell && $0.workload == workload }
    }

    public func verdict(cell: String) -> Verdict? { cellVerdicts.first { $0.cellID == cell }?.verdict }

    /// Whether a gate must refuse the candidate: any correctness failure or significant regression.
    public var blocksMerge: Bool { cellVerdicts.contains { $0.verdict.blocksMerge } }
}

public enum Reports {
    /// Metric kinds the verdict is based on; the rest (p50, p99.9) are shown but not judged, to keep
    /// the number of tests per cell, and so the false alarms, down.
    public static let judgedKinds: Set<String> = ["bw", "iops", "clat_p99", "seconds"]

    /// Compares a candidate run with a baseline run, cell by cell (by cell id) and workload by
    /// workload. Tolerances default to the candidate's.
    public static func compare(
        base: RunDocument, candidate: RunDocument, tolerances: Tolerances? = nil
    ) -> ComparisonReport {
        let tolerances = tolerances ?? candidate.tolerances
        var deltas: [MetricDelta] = []
        var verdicts: [(String, Verdict)] = []
        for cell in candidate.cells {
            guard let baseCell = base.cell(cell.cellID) else {
                verdicts.append((cell.cellID, cell.verdict))
                continue
            }
            var comparisons: [MetricComparison] = []
            for workload in cell.workloads where workload.verdict == nil {
                guard let baseWorkload = baseCell.workload(workload.workload), baseWorkload.verdict == nil else { continue }
                for metric in workload.metricNames where judgedKinds.contains(kind(of: metric)) {
                    let b = baseWorkload.samples(metric)
                    let c = workload.samples(metric)
                    guard !b.isEmpty, !c.isEmpty,
                        let comparison = try? Comparison.compare(
                            metric: metric, baseline: b, candidate: c, tolerance: tolerances.fraction(for: metric))
                    else { continue }
                    comparisons.append(comparison)
                    deltas.append(MetricDelta(cellID: cell.cellID, workload: workload.workload, comparison: comparison))
                }
            }
            switch cell.verdict {
            case .fail, .skipped, .unsupported:
                verdicts.append((cell.cellID, cell.verdict))
            default:
                verdicts.append((cell.cellID, Comparison.cellVerdict(comparisons)))
            }
        }
        return ComparisonReport(
            baseRunID: base.runID, candidateRunID: candidate.runID, deltas: deltas,
            cellVerdicts: verdicts.map { (cellID: $0.0, verdict: $0.1) })
    }

    static func kind(of metric: String) -> String {
        guard let dot = metric.firstIndex(of: ".") else { return metric }
        return String(metric[metric.index(after: dot)...])
    }
}

extension ComparisonReport {
    /// One line per blocking cell and metric, for `strait gate` to print when it refuses:
    /// `straitd-auto-inline randread-psync read.bw: regression, 0.700x [0.688, 0.710], p=0.00216, tolerance 10%`.
    public var reasons: [String] {
        var lines: [String] = []
        for (cell, verdict) in cellVerdicts where verdict.blocksMerge {
            if case .fail(let why) = verdict {
                lines.append("\(cell): correctness failure: \(why)")
                continue
            }
            for d in deltas where d.cellID == cell && d.comparison.verdict == .regression {
                let c = d.comparison
                let ratio = c.ratio.map { String(format: "%.3fx [%.3f, %.3f]", $0.estimate, $0.low, $0.high) } ?? "n/a"
                lines.append(
                    "\(cell) \(d.workload) \(c.metric): regression, \(ratio), p=\(Format.pValue(c.test.pValue)), "
                        + "tolerance \(Int((c.tolerance * 100).rounded()))%, \(c.direction.rawValue) is better")
            }
        }
        return lines
    }
}
