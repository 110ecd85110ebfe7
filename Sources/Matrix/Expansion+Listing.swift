extension Expansion {
    /// What `strait list MATRIX` prints: the cells in run order, the workloads, the total number of
    /// measurements, and every dropped combination with its reason.
    public func listing(title: String) -> String {
        let measurements = cells.count * workloads.count * repetitions
        var out = "\(title): \(cells.count) cells x \(workloads.count) workloads x \(repetitions) repetitions"
        out += " = \(measurements) measurements\n\n"
        // The VM-side axes get columns only when a cell leaves their defaults.
        let vmSide = cells.contains { $0.vmm != nil || $0.image != nil || $0.queues != nil }
        let rows = [["CELL", "BACKEND", "CACHE", "DAX", "PROCESSING"] + (vmSide ? ["VMM", "IMAGE", "QUEUES"] : []) + ["OPTIONS"]]
            + cells.map { cell in
                [cell.id, cell.backend.rawValue, cell.cache, cell.dax.rawValue, cell.processing?.description ?? "-"]
                    + (vmSide ? [cell.value(of: .vmm), cell.value(of: .image), cell.backend.isVirtioFS ? cell.value(of: .queues) : "-"] : [])
                    + [cell.options.isEmpty ? "-" : cell.options.joined(separator: " ")]
            }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let padded = row.enumerated().map { i, text in
                i == row.count - 1 ? text : text + String(repeating: " ", count: widths[i] - text.count + 2)
            }
            out += padded.joined() + "\n"
        }
        out += "\nworkloads: " + workloads.map(\.name).joined(separator: ", ") + "\n"
        if !dropped.isEmpty {
            out += "\ndropped:\n"
            for d in dropped { out += "  \(d.cell.id): \(d.reason)\n" }
        }
        return out
    }
}
