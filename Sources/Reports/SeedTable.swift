import Results

extension Reports {
    /// The seed reports' text table: NAME, WORKLOAD, Bandwidth, IOPS, one group per workload with
    /// every run's cells side by side (the run label prefixes NAME when there are several runs).
    /// Columns are the seed's widths (24, 24, 16, 16), widened when a name would not fit.
    public static func seedTable(_ runs: [LabeledRun]) -> String {
        var groups: [[[String]]] = []
        for workload in LabeledRun.workloadOrder(runs) {
            var rows: [[String]] = []
            for run in runs {
                for cell in run.run.cells where !cell.isHostSpeed {
                    guard let result = cell.workload(workload) else { continue }
                    let name = runs.count > 1 ? "\(run.label):\(cell.cellID)" : cell.cellID
                    let (bw, iops) = WorkloadFigures(result).columns
                    rows.append([name, workload, bw, iops])
                }
            }
            groups.append(rows)
        }
        let header = ["NAME", "WORKLOAD", "Bandwidth", "IOPS"]
        let widths = [24, 24, 16, 16].enumerated().map { column, seed in
            max(seed, (groups.joined().map { $0[column].count }.max() ?? 0) + 2)
        }
        func line(_ row: [String]) -> String {
            zip(row, widths).map { Format.pad($0, $1) }.joined() + "\n"
        }
        return line(header) + groups.map { $0.map(line).joined() + "\n" }.joined()
    }
}
