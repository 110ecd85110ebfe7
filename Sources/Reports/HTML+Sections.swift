import Foundation
import Results
import Stats

/// The HTML report's text above the charts: what the Markdown report says (environment, every
/// cell's verdict with its reason, the verification, failure bundles, shards) and, with a
/// baseline, the gate's decision with its reasons and caveats before the per-metric table.
extension Reports {
    static func htmlRunSection(_ run: LabeledRun) -> String {
        let doc = run.run, env = doc.environment
        var out = "<section class=\"run\">\n<h2>\(esc(run.label)): run <code>\(esc(doc.runID))</code> (\(esc(doc.matrix)))"
        out += doc.complete ? "</h2>\n" : " <span class=\"bad\">incomplete</span></h2>\n"
        var rows = environmentRows(env)
        if let shard = doc.shard { rows.append(("shard", "\(shard.label): \(shard.cells.count) of \(shard.allCells.count) cells")) }
        for part in doc.mergedFrom ?? [] {
            let took = part.finishedAt.map { String(format: "%.0f s", $0.timeIntervalSince(part.startedAt)) } ?? "incomplete"
            rows.append(("shard \(part.index)/\(part.count)", "\(part.runID): \(part.cells.count) cells, \(took), on \(part.host.hostname)"))
        }
        out += "<table class=\"env\">\n" + rows.map { "<tr><th>\(esc($0.0))</th><td>\(esc($0.1))</td></tr>\n" }.joined() + "</table>\n"
        let machine = hasMachineColumn(doc)
        out += "<table class=\"cells\"><tr><th>Cell</th>" + (machine ? "<th>VMM, image, queues</th>" : "")
        out += "<th>Verdict</th><th>Reason</th><th>Verification</th><th>Failure bundle</th></tr>\n"
        for cell in doc.cells {
            let verification = cell.verification.map { v in
                v.passed ? "\(v.filesChecked) files ok" : "FAILED: " + v.mismatches.prefix(3).joined(separator: "; ")
            } ?? "-"
            var reasons = cell.verdict.reason.map { [$0] } ?? []
            for w in cell.workloads { if let v = w.verdict { reasons.append("\(w.workload): \(v.label)\(v.reason.map { " (\($0))" } ?? "")") } }
            out += "<tr class=\"\(esc(cell.verdict.label))\"><td>\(esc(cell.cellID))</td>" + (machine ? "<td>\(esc(machineText(cell)))</td>" : "")
            out += "<td>\(esc(cell.verdict.label))</td>"
            out += "<td>\(esc(reasons.joined(separator: "; ")))</td><td>\(esc(verification))</td><td>\(esc(cell.failureBundle ?? "-"))</td></tr>\n"
        }
        return out + "</table>\n</section>\n"
    }

    static func htmlDecision(_ comparison: ComparisonReport) -> String {
        var out = "<section class=\"decision\">\n<h2>Decision</h2>\n"
        out += "<p class=\"\(comparison.blocksMerge ? "bad" : "good")\"><b>\(esc(comparison.summary))</b></p>\n"
        let notes = comparison.reasons + comparison.caveats
        if !notes.isEmpty { out += "<ul>\n" + notes.map { "<li>\(esc($0))</li>\n" }.joined() + "</ul>\n" }
        return out + "</section>\n"
    }
}
