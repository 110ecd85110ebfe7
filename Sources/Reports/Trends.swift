import Results

extension Reports {
    /// Trend lines for a run's cells from the history: one series per cell, workload and metric
    /// (by default the total-bandwidth metrics and tar time), labelled by straitd commit when known.
    public static func trends(
        for run: RunDocument, history: History, metrics: [String] = ["read.bw", "write.bw", "tar.seconds"], limit: Int = 30
    ) throws(ResultsError) -> [TrendSeries] {
        var series: [TrendSeries] = []
        for cell in run.cells {
            for workload in cell.workloads {
                for metric in metrics where !workload.samples(metric).isEmpty {
                    let points = try history.trend(
                        cellID: cell.cellID, workload: workload.workload, metric: metric, matrix: run.matrix, limit: limit)
                    guard points.count > 1 else { continue }
                    series.append(TrendSeries(
                        title: "\(cell.cellID) \(workload.workload) \(metric)",
                        points: points.map { (label: $0.straitdSHA.map { String($0.prefix(10)) } ?? $0.runID, value: $0.median) }))
                }
            }
        }
        return series
    }
}
