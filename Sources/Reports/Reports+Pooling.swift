import Results

extension Reports {
    /// The VM cells of `runs` with a cell that occurs in several runs (shards, repeated runs of
    /// one matrix) pooled: its workloads' repetitions appended in run order. Host-speed cells are
    /// left out. The first occurrence keeps its verdict and machine fields.
    static func pooledCells(_ runs: [RunDocument]) -> [CellResult] {
        var cells: [CellResult] = []
        for cell in runs.flatMap(\.cells) where !cell.isHostSpeed {
            guard let i = cells.firstIndex(where: { $0.cellID == cell.cellID }) else { cells.append(cell); continue }
            for w in cell.workloads {
                if let j = cells[i].workloads.firstIndex(where: { $0.workload == w.workload }) {
                    cells[i].workloads[j].repetitions += w.repetitions
                } else {
                    cells[i].workloads.append(w)
                }
            }
        }
        return cells
    }
}
