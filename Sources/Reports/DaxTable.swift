import Matrix
import Results
import Stats

/// The seeds' DAX question from runs: the same cell with DAX off, on and inode side by side per
/// workload (read IOPS, median with the range over the repetitions, and the ratio to DAX off), and
/// what the configuration check saw of each DAX cell's window. Generated, so docs/dax.md quotes
/// `strait report --format markdown` instead of typed numbers.
extension Reports {
    /// Markdown for the cells of `runs` (a cell in several runs, e.g. shards or repeated runs of one
    /// matrix, pools its repetitions), or "" when no cell has a DAX twin with DAX off.
    static func daxMarkdown(_ runs: [RunDocument]) -> String {
        let cells = pooledCells(runs)
        let evidence = runs.flatMap(\.cells).compactMap { c in c.dax.map { (c, $0) } }
        func twin(_ c: CellResult, _ dax: Dax) -> CellResult? {
            cells.first {
                $0.cell.dax == dax && $0.cell.backend == c.cell.backend && $0.cell.cache == c.cell.cache
                    && $0.cell.processing == c.cell.processing && $0.cell.label == c.cell.label
            }
        }
        let bases = cells.filter { $0.cell.dax == .off && (twin($0, .on) != nil || twin($0, .inode) != nil) }
        guard !bases.isEmpty else { return "" }
        let modes: [Dax] = [.off, .on, .inode].filter { mode in bases.contains { twin($0, mode) != nil } }
        let pooled = runs.count > 1 ? ", pooled over the \(runs.count) runs above" : ""
        var out = "DAX vs no DAX (read IOPS: median of the repetitions\(pooled), [min-max], n = repetitions, and the ratio of the medians to DAX off):\n\n"
        out += "| cell | workload | " + modes.map { "DAX \($0.rawValue)" }.joined(separator: " | ") + " |\n"
        out += "|---|---|" + modes.map { _ in "---|" }.joined() + "\n"
        for base in bases {
            for workload in base.workloads.map(\.workload) {
                let off = base.workload(workload).flatMap { try? Descriptive.median($0.samples("read.iops")) }
                var row = "| \(base.cellID) | \(workload) |"
                for mode in modes {
                    guard let result = twin(base, mode)?.workload(workload) else { row += " - |"; continue }
                    if let verdict = result.verdict { row += " \(verdict.label) |"; continue }
                    let samples = result.samples("read.iops")
                    guard let median = try? Descriptive.median(samples), let lo = samples.min(), let hi = samples.max() else {
                        row += " - |"; continue
                    }
                    var text = "\(Format.iops(median)) [\(Format.iops(lo))-\(Format.iops(hi))] n=\(samples.count)"
                    if mode != .off, let off, off > 0 { text += String(format: " x%.1f", median / off) }
                    row += " \(text) |"
                }
                out += row + "\n"
            }
        }
        if !evidence.isEmpty {
            out += "\nDAX windows as the configuration check saw them (guest /proc/mounts and /proc/iomem, straitd's map count after the workloads):\n\n"
            out += "| cell | VMM | mount | /proc/iomem | window | straitd maps |\n|---|---|---|---|---|---|\n"
            for (cell, e) in evidence {
                out += "| \(cell.cellID) | \(cell.vmm ?? "-") | `\(e.mount)` | \(e.iomem.map { "`\($0)`" }.joined(separator: ", ")) | \(e.windowBytes >> 20) MiB | >= \(e.mapsAtLeast) |\n"
            }
        }
        return out + "\n"
    }
}
