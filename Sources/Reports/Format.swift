import Foundation
import Results
import Stats

/// Number formats shared by the text, Markdown and HTML reports.
enum Format {
    /// The seed reports' bandwidth: MiB/s as `84.8mb` from 1 MiB/s up, else `512kb`.
    static func bandwidth(_ kibps: Double) -> String {
        kibps >= 1024 ? String(format: "%.1fmb", kibps / 1024) : String(format: "%.0fkb", kibps)
    }

    /// The seed reports' IOPS: `21.2k` from 10,000 up, else the integer.
    static func iops(_ value: Double) -> String {
        value >= 10_000 ? String(format: "%.1fk", value / 1000) : String(format: "%.0f", value)
    }

    static func ratio(_ interval: Interval?) -> String {
        guard let interval else { return "n/a" }
        return String(format: "%.3f [%.3f, %.3f]", interval.estimate, interval.low, interval.high)
    }

    /// Plain decimals people can compare by eye: whole numbers from 100 up, two decimals from 1.
    static func number(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 100 && magnitude < 1e15 { return String(format: "%.0f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.4g", value)
    }

    static func pValue(_ p: Double) -> String { String(format: "%.3g", p) }

    /// The smallest change a comparison could have seen, flagged when it exceeds the tolerance:
    /// ">= 4.2%", ">= 35% (blind)", "nothing (4 vs 4: min p ...) (blind)".
    static func detectable(_ c: MetricComparison) -> String {
        guard let d = c.detectability else { return "-" }
        let text = d.minimumDetectable == nil ? "nothing (\(d.summary))" : ">= " + d.summary
        return d.isBlind(tolerance: c.tolerance) ? text + " (blind)" : text
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

/// Median bandwidth and IOPS of one workload in one cell, per direction.
struct WorkloadFigures {
    var readBW: Double?
    var writeBW: Double?
    var readIOPS: Double?
    var writeIOPS: Double?
    var seconds: Double?
    /// Skipped or unsupported: shown as such, never as zeros.
    var verdict: Verdict?

    init(_ result: WorkloadResult) {
        func median(_ metric: String) -> Double? { try? Descriptive.median(result.samples(metric)) }
        readBW = median("read.bw")
        writeBW = median("write.bw")
        readIOPS = median("read.iops")
        writeIOPS = median("write.iops")
        seconds = median("tar.seconds") ?? median("meta.seconds")
        verdict = result.verdict
    }

    /// Total bandwidth (read + write), for charts.
    var totalBW: Double? {
        switch (readBW, writeBW) {
        case (nil, nil): nil
        default: (readBW ?? 0) + (writeBW ?? 0)
        }
    }

    /// Seed-style `Bandwidth` and `IOPS` cells: `r/w` for mixed jobs, seconds for tar.
    var columns: (bandwidth: String, iops: String) {
        if let verdict { return (verdict.label, verdict.label) }
        if let seconds { return (String(format: "%.1fs", seconds), "-") }
        switch (readBW, writeBW) {
        case let (r?, w?):
            return ("\(Format.bandwidth(r))/\(Format.bandwidth(w))",
                "\(Format.iops(readIOPS ?? 0))/\(Format.iops(writeIOPS ?? 0))")
        case let (r?, nil): return (Format.bandwidth(r), Format.iops(readIOPS ?? 0))
        case let (nil, w?): return (Format.bandwidth(w), Format.iops(writeIOPS ?? 0))
        default: return ("-", "-")
        }
    }
}

/// A run with the label that tells it apart in side-by-side reports.
public struct LabeledRun: Sendable {
    public var label: String
    public var run: RunDocument

    public init(label: String, run: RunDocument) {
        self.label = label
        self.run = run
    }

    /// Workload names in order of first appearance across runs.
    static func workloadOrder(_ runs: [LabeledRun]) -> [String] {
        var seen = Set<String>()
        var order: [String] = []
        for run in runs {
            for cell in run.run.cells where !cell.isHostSpeed {
                for w in cell.workloads where seen.insert(w.workload).inserted { order.append(w.workload) }
            }
        }
        return order
    }
}
