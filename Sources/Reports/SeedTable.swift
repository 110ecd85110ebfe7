import Results

extension Reports {
    /// The seed reports' text table: NAME, WORKLOAD, Bandwidth, IOPS, one group per workload with
    /// every run's cells side by side (the run label prefixes NAME when there are several runs).
    public static func seedTable(_ runs: [LabeledRun]) -> String {
        var out = Format.pad("NAME", 24) + Format.pad("WORKLOAD", 24) + Format.pad("Bandwidth", 16)
            + Format.pad("IOPS", 16) + "\n"
        for workload in LabeledRun.workloadOrder(runs) {
            for run in runs {
                for cell in run.run.cells {
                    guard let result = cell.workload(workload) else { continue }
                    let figures = WorkloadFigures(result)
                    let name = runs.count > 1 ? "\(run.label):\(cell.cellID)" : cell.cellID
                    let (bw, iops) = figures.columns
                    out += Format.pad(name, 24) + Format.pad(workload, 24) + Format.pad(bw, 16) + Format.pad(iops, 16) + "\n"
                }
            }
            out += "\n"
        }
        return out
    }
}
