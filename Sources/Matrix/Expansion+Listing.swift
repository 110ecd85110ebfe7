extension Expansion {
    /// What `strait list MATRIX` prints: the cells in run order, the workloads, the total number of
    /// measurements, and every dropped combination with its reason.
    public func listing(title: String) -> String {
        let measurements = cells.count * workloads.count * repetitions
        var out = "\(title): \(cells.count) cells x \(workloads.count) workloads x \(repetitions) repetitions"
        out += " = \(measurements) measurements\n\n"
        let rows = [["CELL", "BACKEND", "CACHE", "DAX", "PROCESSING", "OPTIONS"]] + cells.map { cell in
            [cell.id, cell.backend.rawValue, cell.cache, cell.dax.rawValue, cell.processing?.description ?? "-",
             cell.options.isEmpty ? "-" : cell.options.joined(separator: " ")]
        }
        let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
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
