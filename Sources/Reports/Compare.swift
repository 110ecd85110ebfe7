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
    /// The gate policy's decision, per candidate cell in candidate order.
    public var decision: GateDecision
    /// Per candidate cell, in candidate order.
    public var cellVerdicts: [(cellID: String, verdict: Verdict)] { decision.cells.map { ($0.cellID, $0.verdict) } }

    public func deltas(cell: String, workload: String) -> [MetricDelta] {
        deltas.filter { $0.cellID == cell && $0.workload == workload }
    }

    public func verdict(cell: String) -> Verdict? { cellVerdicts.first { $0.cellID == cell }?.verdict }

    /// Whether a gate must refuse the candidate: a correctness failure on either side, a
    /// regression beyond tolerance after the family control, or a blind cell when the policy says so.
    public var blocksMerge: Bool { decision.blocks }
}

public enum Reports {
    /// Metric kinds the verdict is based on; the rest (p50, p99.9) are shown but not judged, to keep
    /// the number of tests per cell, and so the false alarms, down.
    public static let judgedKinds: Set<String> = ["bw", "iops", "clat_p99", "seconds", "instructions"]

    /// Compares a candidate run with a baseline run, cell by cell (by cell id) and workload by
    /// workload, and lets `policy` decide: every judged metric of every cell is one family of tests
    /// (Holm), each with the smallest change it could have detected. Tolerances default to the
    /// candidate's.
    public static func compare(
        base: RunDocument, candidate: RunDocument, tolerances: Tolerances? = nil, policy: GatePolicy = GatePolicy()
    ) -> ComparisonReport {
        let tolerances = tolerances ?? candidate.tolerances
        var deltas: [MetricDelta] = []
        var cells: [(cellID: String, baseline: CellResult?, candidate: CellResult, range: Range<Int>, correctnessOnly: Bool)] = []
        for cell in candidate.cells {
            let first = deltas.count
            let baseCell = base.cell(cell.cellID)
            for workload in cell.workloads where workload.verdict == nil {
                guard let baseWorkload = baseCell?.workload(workload.workload), baseWorkload.verdict == nil else { continue }
                for metric in workload.metricNames where judgedKinds.contains(kind(of: metric)) {
                    let b = baseWorkload.samples(metric)
                    let c = workload.samples(metric)
                    guard !b.isEmpty, !c.isEmpty,
                        let comparison = try? Comparison.compare(
                            metric: metric, baseline: b, candidate: c, tolerance: tolerances.fraction(for: metric))
                    else { continue }
                    deltas.append(MetricDelta(cellID: cell.cellID, workload: workload.workload, comparison: comparison))
                }
            }
            cells.append((cell.cellID, baseCell, cell, first..<deltas.count, ["fuzz", "hostile"].contains(cell.cell.label)))
        }
        var family = deltas.map(\.comparison)
        policy.control(&family)
        for i in deltas.indices { deltas[i].comparison = family[i] }
        let decision = policy.decide(
            cells.map { GateCell(cellID: $0.cellID, baseline: $0.baseline?.verdict, candidate: $0.candidate.verdict,
                                 metrics: Array(family[$0.range]), correctnessOnly: $0.correctnessOnly,
                                 baselineInfrastructure: $0.baseline?.infrastructure == true,
                                 candidateInfrastructure: $0.candidate.infrastructure == true) })
        return ComparisonReport(
            baseRunID: base.runID, candidateRunID: candidate.runID, deltas: deltas, decision: decision)
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
        for decided in decision.cells where decided.blocks {
            let cell = decided.cellID
            if case .fail(let why) = decided.verdict {
                lines.append("\(cell): correctness failure: \(why)")
                continue
            }
            if case .blind(let why) = decided.verdict {
                lines.append("\(cell): blind: \(why)")
                continue
            }
            for d in deltas where d.cellID == cell && d.comparison.verdict == .regression {
                let c = d.comparison
                let ratio = c.ratio.map { String(format: "%.3fx [%.3f, %.3f]", $0.estimate, $0.low, $0.high) } ?? "n/a"
                if Counted.isCounted(c.metric) {
                    lines.append("\(cell) \(d.workload) \(c.metric): regression, \(String(format: "%.3fx", c.ratio?.estimate ?? 0)) "
                        + "(smallest counts \(Format.number(c.baseline.estimate)) -> \(Format.number(c.candidate.estimate)), noise band "
                        + "\(c.detectability?.minimumDetectable.map(Power.percent) ?? "?"), tolerance \(Int((c.tolerance * 100).rounded()))%)")
                    continue
                }
                lines.append(
                    "\(cell) \(d.workload) \(c.metric): regression, \(ratio), p=\(Format.pValue(c.test.pValue)), "
                        + "adjusted p=\(Format.pValue(c.adjustedP ?? c.test.pValue)), "
                        + "tolerance \(Int((c.tolerance * 100).rounded()))%, \(c.direction.rawValue) is better")
            }
        }
        return lines
    }

    /// One line per cell that neither blocks nor vouches for the candidate (blind, incomparable,
    /// skipped, unsupported), for `strait gate` to print beside its answer.
    public var caveats: [String] {
        decision.cells.filter { !$0.blocks && !$0.passes }.map { "\($0.cellID): \($0.verdict.description)" }
    }

    /// The gate's answer in one line.
    public var summary: String {
        switch decision.outcome {
        case .blocked: "gate: BLOCKED"
        case .pass:
            decision.cells.contains(where: \.isBlind)
                ? "gate: pass (no correctness failure, no regression beyond tolerance in the \(decision.cells.filter(\.isSighted).count) cells that could see it; "
                    + "\(decision.cells.filter(\.isBlind).count) blind cells, listed below, judged for correctness only)"
                : "gate: pass (no correctness failure, no regression beyond tolerance, every cell could see its tolerance)"
        case .inconclusive:
            "gate: inconclusive (nothing blocks, but \(caveats.count) of \(decision.cells.count) cells cannot vouch for the candidate)"
        }
    }
}
