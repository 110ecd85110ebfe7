import Results

extension Reports {
    /// The VM cells of `runs` with a cell that occurs in several runs (shards, repeated runs of
    /// one matrix) pooled: its workloads' repetitions appended in run order. Host-speed cells are
    /// left out. The first occurrence keeps its cell verdict and machine fields; a workload's verdict
    /// comes from the first run that reached it (`reached`).
    static func pooledCells(_ runs: [RunDocument]) -> [CellResult] {
        var cells: [CellResult] = []
        for cell in runs.flatMap(\.cells) where !cell.isHostSpeed {
            guard let i = cells.firstIndex(where: { $0.cellID == cell.cellID }) else { cells.append(cell); continue }
            for w in cell.workloads {
                if let j = cells[i].workloads.firstIndex(where: { $0.workload == w.workload }) {
                    // A run whose cell failed before reaching the workload ("not run") gives way
                    // to a later run that reached it: measured it, or said why it cannot run.
                    let before = cells[i].workloads[j]
                    cells[i].workloads[j].repetitions += w.repetitions
                    if !reached(before), reached(w) { cells[i].workloads[j].verdict = w.verdict }
                } else {
                    cells[i].workloads.append(w)
                }
            }
        }
        return cells
    }

    /// Whether a run got to the workload: measured it or recorded a verdict other than "not run".
    static func reached(_ w: WorkloadResult) -> Bool {
        if !w.repetitions.isEmpty { return true }
        switch w.verdict {
        case nil, .notRun?: return false
        default: return true
        }
    }
}
