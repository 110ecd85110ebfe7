import Foundation
import Results
import Stats

extension Reports {
    /// The host-speed cells of a run: per workload the median of the rounds and their range
    /// (min..max), so a reader sees the spread the gate's power comes from. Instruction counts
    /// show the range as a fraction too: that is the run-to-run determinism of the count.
    public static func loadTable(_ doc: RunDocument) -> String {
        let cells = doc.cells.filter(\.isHostSpeed)
        guard !cells.isEmpty else { return "" }
        var rows: [[String]] = [["CELL", "WORKLOAD", "ROUNDS", "OPS/S (min..max)", "P99 US (min..max)", "INSTR/OP median (range %)"]]
        for cell in cells {
            if cell.workloads.isEmpty { rows.append([cell.cellID, "-", "0", cell.verdict.description, "", ""]) }
            for w in cell.workloads {
                if let v = w.verdict {
                    rows.append([cell.cellID, w.workload, "0", v.description, "", ""])
                    continue
                }
                rows.append([cell.cellID, w.workload, "\(w.repetitions.count)", range(w.samples("ops.iops"), digits: 0),
                             range(w.samples("ops.clat_p99"), digits: 1), spread(w.samples("ops.instructions"))])
            }
        }
        let widths = rows[0].indices.map { c in (rows.map { $0[c].count }.max() ?? 0) + 2 }
        return rows.map { r in zip(r, widths).map { Format.pad($0, $1) }.joined() }.joined(separator: "\n") + "\n\n"
    }

    static func range(_ xs: [Double], digits: Int) -> String {
        guard let m = try? Descriptive.median(xs), let lo = xs.min(), let hi = xs.max() else { return "-" }
        let f = "%.\(digits)f"
        return String(format: "\(f) (\(f)..\(f))", m, lo, hi)
    }

    static func spread(_ xs: [Double]) -> String {
        guard let m = try? Descriptive.median(xs), m > 0, let lo = xs.min(), let hi = xs.max() else { return "-" }
        return String(format: "%.1f (%.3f%%)", m, (hi - lo) / m * 100)
    }
}
