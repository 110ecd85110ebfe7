import Foundation
import Results

/// Two or more runs side by side (e.g. `strait report BASE CANDIDATE --format html`, or a
/// report with `--baseline`): one table per workload with a row per cell and a column per run,
/// so a reader compares a cell across runs on one line instead of hunting through each run's
/// bars. The ratio column is the last run over the first (a fold, not a test: the comparison
/// table above carries the statistics when a baseline is given).
extension Reports {
    static func htmlSideBySide(_ runs: [LabeledRun]) -> String {
        guard runs.count > 1 else { return "" }
        let first = runs[0].label, last = runs[runs.count - 1].label
        var out = "<section class=\"side-by-side\">\n<h2>Side by side: \(runs.map { esc($0.label) }.joined(separator: " | "))</h2>\n"
        out += "<p>Median of the repetitions per cell; MiB/s (higher is better) or seconds (lower is better). "
        out += "Ratio: \(esc(last)) / \(esc(first)); a cell a run did not hold shows \"not in run\".</p>\n"
        for workload in LabeledRun.workloadOrder(runs) {
            out += "<table class=\"side\"><caption>\(esc(workload))</caption><tr><th>Cell</th>"
            out += runs.map { "<th>\(esc($0.label))</th>" }.joined() + "<th>\(esc(last)) / \(esc(first))</th></tr>\n"
            for cellID in cellOrder(runs, workload: workload) {
                let values = runs.map { run in run.run.cells.first { $0.cellID == cellID }?.workload(workload).map(WorkloadFigures.init) }
                out += "<tr><td>\(esc(cellID))</td>"
                out += values.map { v in
                    let kind = v?.verdict.map { " class=\"\(esc($0.label))\"" } ?? ""
                    return "<td\(kind)>\(esc(sideText(v)))</td>"
                }.joined()
                let ratio = sideValue(values[values.count - 1]).flatMap { b in sideValue(values[0]).map { b / $0 } }
                out += "<td>\(ratio.map { String(format: "%.2f", $0) } ?? "-")</td></tr>\n"
            }
            out += "</table>\n"
        }
        return out + "</section>\n"
    }

    /// Cell ids holding the workload in any run, in order of first appearance.
    static func cellOrder(_ runs: [LabeledRun], workload: String? = nil) -> [String] {
        var seen = Set<String>(), order: [String] = []
        for run in runs {
            for cell in run.run.cells where !cell.isHostSpeed && (workload == nil || cell.workload(workload!) != nil) {
                if seen.insert(cell.cellID).inserted { order.append(cell.cellID) }
            }
        }
        return order
    }

    /// The charted figure: seconds for tar and meta, else total MiB/s; nil when skipped.
    static func sideValue(_ figures: WorkloadFigures?) -> Double? {
        guard let figures, figures.verdict == nil else { return nil }
        if let seconds = figures.seconds { return seconds > 0 ? seconds : nil }
        return figures.totalBW.flatMap { $0 > 0 ? $0 / 1024 : nil }
    }

    static func sideText(_ figures: WorkloadFigures?) -> String {
        guard let figures else { return "not in run" }
        if let verdict = figures.verdict { return verdict.label }
        if let seconds = figures.seconds { return String(format: "%.1f s", seconds) }
        return figures.totalBW.map { String(format: "%.1f MiB/s", $0 / 1024) } ?? "-"
    }
}
