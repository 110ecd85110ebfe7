import Foundation
import Posix
import Results
import Stats

/// A trend line: one metric of one cell and workload across runs (from the history).
public struct TrendSeries: Sendable {
    public var title: String
    /// (label, value) in time order; the label is usually a run id or a commit.
    public var points: [(label: String, value: Double)]

    public init(title: String, points: [(label: String, value: Double)]) {
        self.title = title
        self.points = points
    }
}

extension Reports {
    /// A self-contained HTML page: no scripts, no external files. With a baseline, the decision
    /// first; then per run its environment and cells (verdicts with reasons, verification,
    /// failure bundles, shards), the comparison table, a bar chart (inline SVG) per workload with
    /// every run's cells and their 95% intervals, then the trend lines.
    public static func html(_ runs: [LabeledRun], trends: [TrendSeries] = [], comparison: ComparisonReport? = nil) -> String {
        var body = "<h1>Strait results</h1>\n"
        if let comparison { body += htmlDecision(comparison) }
        for run in runs { body += htmlRunSection(run) }
        if let comparison {
            body += "<h2>Comparison</h2>\n<table><tr><th>Cell</th><th>Workload</th><th>Metric</th><th>Ratio [95% CI]</th><th>p</th><th>Holm p</th><th>Detectable</th><th>Verdict</th></tr>\n"
            for d in comparison.deltas {
                let c = d.comparison
                body += "<tr class=\"\(c.verdict.label)\"><td>\(esc(d.cellID))</td><td>\(esc(d.workload))</td><td>\(esc(c.metric))</td>"
                body += "<td>\(Format.ratio(c.ratio))</td><td>\(Format.pValue(c.test.pValue))</td>"
                body += "<td>\(c.adjustedP.map(Format.pValue) ?? "-")</td><td>\(esc(Format.detectable(c)))</td><td>\(c.verdict.label)</td></tr>\n"
            }
            body += "</table>\n"
        }
        body += htmlSideBySide(runs)
        for workload in LabeledRun.workloadOrder(runs) {
            body += "<section>\n<h2>\(esc(workload))</h2>\n" + barChart(workload: workload, runs: runs) + "</section>\n"
        }
        if !trends.isEmpty {
            body += "<h2>Trends</h2>\n"
            for series in trends { body += "<section>\n<h3>\(esc(series.title))</h3>\n" + trendChart(series) + "</section>\n" }
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Strait results</title>
            <style>
            body { font-family: sans-serif; margin: 2em; color: #222; }
            svg { background: #fafafa; border: 1px solid #ddd; }
            .bad, .regression td, tr.fail td { color: #b00; } .good, .improvement td { color: #070; }
            tr.skipped td, tr.unsupported td, td.skipped, td.unsupported { color: #777; } table.env th { text-align: left; }
            tr.not-run td, td.not-run { color: #a60; font-style: italic; }
            table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 2px 6px; }
            table.side { margin: 0 0 1em 0; } table.side caption { text-align: left; font-weight: bold; }
            </style></head><body>
            \(body)</body></html>

            """
    }

    /// Horizontal bars: total bandwidth (or tar/meta seconds) per run and cell, whiskers for the
    /// 95% interval of the median, skipped/unsupported cells written out instead of drawn as zero.
    /// With several runs the bars of one cell sit next to each other, one colour per run.
    static func barChart(workload: String, runs: [LabeledRun]) -> String {
        struct Bar { var label: String; var value: Double?; var interval: Interval?; var note: String?; var run: Int; var kind = "" }
        var bars: [Bar] = []
        var unit = "MiB/s"
        for (runIndex, run) in runs.enumerated() {
            for cell in run.run.cells {
                guard let result = cell.workload(workload) else { continue }
                let label = runs.count > 1 ? "\(run.label): \(cell.cellID)" : cell.cellID
                let figures = WorkloadFigures(result)
                if let verdict = figures.verdict {
                    bars.append(Bar(label: label, value: nil, interval: nil, note: verdict.description, run: runIndex, kind: verdict.label))
                } else if figures.seconds != nil {
                    unit = "seconds"
                    let samples = result.samples("tar.seconds") + result.samples("meta.seconds")
                    bars.append(Bar(
                        label: label, value: figures.seconds, interval: try? Bootstrap.medianInterval(samples), note: nil,
                        run: runIndex))
                } else {
                    let samples = zipSum(result.samples("read.bw"), result.samples("write.bw")).map { $0 / 1024 }
                    let interval = samples.isEmpty ? nil : try? Bootstrap.medianInterval(samples)
                    bars.append(Bar(label: label, value: interval?.estimate, interval: interval, note: nil, run: runIndex))
                }
            }
        }
        if runs.count > 1 {
            // Cell-major: a cell's bars of every run together (stable: runs keep their order).
            let rank = Dictionary(uniqueKeysWithValues: cellOrder(runs).enumerated().map { ($1, $0) })
            func cellOf(_ bar: Bar) -> String { String(bar.label.dropFirst(runs[bar.run].label.count + 2)) }
            bars = bars.enumerated().sorted { a, b in
                let (ra, rb) = (rank[cellOf(a.element)] ?? .max, rank[cellOf(b.element)] ?? .max)
                return ra != rb ? ra < rb : a.offset < b.offset
            }.map(\.element)
        }
        // Room for the longest label (two runs' labels are "run: cell"), at ~6.5 px a character.
        let left = max(260.0, Double(bars.map(\.label.count).max() ?? 0) * 6.5 + 10)
        let width = left + 500, rowHeight = 22.0
        let legend = runs.count > 1 ? 20.0 : 0
        let height = Double(bars.count) * rowHeight + 30 + legend
        let maxValue = max(bars.compactMap { $0.interval?.high ?? $0.value }.max() ?? 1, 1e-9)
        let scale = (width - left - 120) / maxValue  // room for the value label
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(esc(workload))\">\n"
        if runs.count > 1 {
            var x = left
            for (i, run) in runs.enumerated() {
                svg += "<rect x=\"\(f(x))\" y=\"4\" width=\"10\" height=\"10\" fill=\"\(palette[i % palette.count])\"/>"
                svg += "<text x=\"\(f(x + 14))\" y=\"13\" font-size=\"11\">\(esc(run.label))</text>\n"
                x += 24 + Double(run.label.count) * 7
            }
        }
        for (i, bar) in bars.enumerated() {
            let y = Double(i) * rowHeight + 6 + legend
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 14)\" text-anchor=\"end\" font-size=\"12\">\(esc(bar.label))</text>\n"
            if let value = bar.value {
                let fill = palette[bar.run % palette.count]
                svg += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(f(value * scale))\" height=\"\(rowHeight - 6)\" fill=\"\(fill)\"><title>\(esc(bar.label)): \(f(value)) \(unit)</title></rect>\n"
                if let ci = bar.interval {
                    let mid = y + (rowHeight - 6) / 2
                    svg += "<line x1=\"\(f(left + ci.low * scale))\" x2=\"\(f(left + ci.high * scale))\" y1=\"\(f(mid))\" y2=\"\(f(mid))\" stroke=\"#222\"/>\n"
                }
                let end = max(value, bar.interval?.high ?? value) * scale
                svg += "<text x=\"\(f(left + end + 6))\" y=\"\(y + 14)\" font-size=\"11\">\(f(value)) \(unit)</text>\n"
            } else {
                svg += "<text x=\"\(left)\" y=\"\(y + 14)\" font-size=\"11\" fill=\"\(noteColour(bar.kind))\">\(esc(bar.note ?? "no data"))</text>\n"
            }
        }
        let better = unit == "seconds" ? "lower is better" : "higher is better"
        svg += "<text x=\"\(left)\" y=\"\(Int(height) - 6)\" font-size=\"11\" fill=\"#666\">median \(unit) (\(better)), line: 95% CI of the median</text>\n"
        return svg + "</svg>\n"
    }

    /// A chart's note in place of a bar, coloured by its verdict as the tables are: a failure red,
    /// a workload that never ran (its cell failed first) amber, skipped and unsupported grey.
    static func noteColour(_ verdict: String) -> String {
        switch verdict {
        case "not-run": "#a60"
        case "skipped", "unsupported": "#777"
        default: "#b00"
        }
    }

    /// A polyline over the runs, with a dot and a tooltip per run, the range on the left and the
    /// first and last run under the line. A flat series sits in the middle.
    static func trendChart(_ series: TrendSeries) -> String {
        let width = 760.0, height = 150.0, pad = 30.0, left = 90.0
        let values = series.points.map(\.value)
        let lo = values.min() ?? 0, hi = values.max() ?? 0
        let step = series.points.count > 1 ? (width - left - pad) / Double(series.points.count - 1) : 0
        func y(_ v: Double) -> Double {
            hi > lo ? height - pad - (v - lo) / (hi - lo) * (height - 2 * pad) : height / 2
        }
        let coords = series.points.enumerated().map { i, p in (x: left + Double(i) * step, y: y(p.value), p: p) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(esc(series.title))\">\n"
        svg += "<text x=\"\(left - 8)\" y=\"\(f(y(hi) + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#666\">\(f(hi))</text>\n"
        if hi > lo {
            svg += "<text x=\"\(left - 8)\" y=\"\(f(y(lo) + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#666\">\(f(lo))</text>\n"
        }
        svg += "<polyline fill=\"none\" stroke=\"#4a7bd0\" stroke-width=\"2\" points=\"\(coords.map { "\(f($0.x)),\(f($0.y))" }.joined(separator: " "))\"/>\n"
        for c in coords {
            svg += "<circle cx=\"\(f(c.x))\" cy=\"\(f(c.y))\" r=\"3\" fill=\"#222\"><title>\(esc(c.p.label)): \(f(c.p.value))</title></circle>\n"
        }
        if let first = coords.first, let last = coords.last {
            svg += "<text x=\"\(f(first.x))\" y=\"\(Int(height) - 6)\" font-size=\"11\" fill=\"#666\">\(esc(first.p.label))</text>\n"
            if coords.count > 1 {
                svg += "<text x=\"\(f(last.x))\" y=\"\(Int(height) - 6)\" text-anchor=\"end\" font-size=\"11\" fill=\"#666\">\(esc(last.p.label))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    /// One colour per run, so side-by-side runs read apart.
    static let palette = ["#4a7bd0", "#e08a2c", "#3aa36b", "#9b59b6", "#c0392b"]

    /// Element-wise sum; a missing side counts as zero (read-only or write-only jobs).
    static func zipSum(_ a: [Double], _ b: [Double]) -> [Double] {
        (0..<max(a.count, b.count)).map { (a.indices.contains($0) ? a[$0] : 0) + (b.indices.contains($0) ? b[$0] : 0) }
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Escapes text for HTML and XML content and attributes.
    static func esc(_ text: String) -> String { XMLEscape.text(text) }
}
