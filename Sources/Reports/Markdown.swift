import Foundation
import Results
import Stats

extension Reports {
    /// A Markdown report: each run's environment, one table per workload with every run's cells,
    /// cell verdicts, and the comparison when one is given.
    public static func markdown(_ runs: [LabeledRun], comparison: ComparisonReport? = nil) -> String {
        var out = "# Strait results\n\n"
        for run in runs {
            let env = run.run.environment
            out += "## \(md(run.label)): run `\(run.run.runID)` (\(md(run.run.matrix)))\n\n"
            if !run.run.complete { out += "**Incomplete run**: it stopped before its last cell.\n\n" }
            if let warning = run.run.disturbanceWarning() { out += "**\(md(warning))**\n\n" }
            out += "| | |\n|---|---|\n"
            for (key, value) in environmentRows(env) { out += "| \(key) | \(md(value)) |\n" }
            if let shard = run.run.shard {
                out += "| shard | \(shard.label): \(shard.cells.count) of \(shard.allCells.count) cells (`strait merge` combines the shards) |\n"
            }
            for part in run.run.mergedFrom ?? [] {
                let took = part.finishedAt.map { String(format: "%.0f s", $0.timeIntervalSince(part.startedAt)) } ?? "incomplete"
                out += "| shard \(part.index)/\(part.count) | `\(md(part.runID))`: \(part.cells.count) cells, \(took), on \(md(part.host.hostname)) (\(md(part.host.cpuModel))) |\n"
            }
            let machine = hasMachineColumn(run.run)
            out += machine ? "\n| Cell | VMM, image, queues | Verdict | Verification | Failure bundle |\n|---|---|---|---|---|\n"
                : "\n| Cell | Verdict | Verification | Failure bundle |\n|---|---|---|---|\n"
            for cell in run.run.cells {
                let verification = cell.verification.map { $0.passed ? "\($0.filesChecked) files ok" : "FAILED: \($0.mismatches.prefix(3).joined(separator: "; "))" } ?? "-"
                out += "| \(md(cell.cellID)) | " + (machine ? "\(md(machineText(cell))) | " : "")
                out += "\(md(cell.verdict.description)) | \(md(verification)) | \(md(cell.failureBundle ?? "-")) |\n"
            }
            out += "\n" + (runs.count == 1 ? daxMarkdown([run.run]) : "")
            let load = loadTable(run.run)
            if !load.isEmpty { out += "Host-speed cells (strait-load, no VM):\n\n```\n" + load + "```\n\n" }
        }
        if runs.count > 1 {
            let dax = daxMarkdown(runs.map(\.run))
            if !dax.isEmpty { out += "## DAX vs no DAX\n\n" + dax }
        }
        for workload in LabeledRun.workloadOrder(runs) {
            out += "### \(md(workload))\n\n| Run | Cell | Bandwidth | IOPS |\n|---|---|---|---|\n"
            for run in runs {
                for cell in run.run.cells {
                    guard let result = cell.workload(workload) else { continue }
                    let (bw, iops) = WorkloadFigures(result).columns
                    out += "| \(md(run.label)) | \(md(cell.cellID)) | \(bw) | \(iops) |\n"
                }
            }
            out += "\n"
        }
        if let comparison { out += comparisonMarkdown(comparison) }
        return out
    }

    /// The comparison as a Markdown table, regressions first.
    public static func comparisonMarkdown(_ report: ComparisonReport) -> String {
        var out = "## Comparison: `\(report.candidateRunID)` against `\(report.baseRunID)`\n\n"
        out += "| Cell | Verdict |\n|---|---|\n"
        for (cell, verdict) in report.cellVerdicts { out += "| \(md(cell)) | \(md(verdict.description)) |\n" }
        out += "\n| Cell | Workload | Metric | Base median | Candidate median | Ratio [95% CI] | p | Holm p | Tolerance | Detectable | Verdict |\n"
        out += "|---|---|---|---|---|---|---|---|---|---|---|\n"
        let order: [String: Int] = ["regression": 0, "improvement": 1]
        for delta in report.deltas.sorted(by: { (order[$0.comparison.verdict.label] ?? 2) < (order[$1.comparison.verdict.label] ?? 2) }) {
            let c = delta.comparison
            out += "| \(md(delta.cellID)) | \(md(delta.workload)) | \(c.metric) | \(Format.number(c.baseline.estimate)) | "
            out += "\(Format.number(c.candidate.estimate)) | \(Format.ratio(c.ratio)) | \(Format.pValue(c.test.pValue)) | "
            out += "\(c.adjustedP.map(Format.pValue) ?? "-") | \(Int((c.tolerance * 100).rounded()))% | "
            out += "\(md(Format.detectable(c))) | \(c.verdict.label) |\n"
        }
        return out + "\n"
    }

    /// Escapes the characters that would break a table cell or start markup.
    static func md(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\n", with: " ")
    }
}
