/// A combination the matrix names but that will not run, and why.
public struct DroppedCell: Sendable, Hashable {
    public var cell: Cell
    public var reason: String

    public init(cell: Cell, reason: String) {
        self.cell = cell
        self.reason = reason
    }
}

/// The cells of a matrix after the product, excludes and includes, and the workloads each runs.
public struct Expansion: Sendable {
    public var cells: [Cell]
    public var dropped: [DroppedCell]
    public var workloads: [Workload]
    public var repetitions: Int

    public init(cells: [Cell], dropped: [DroppedCell] = [], workloads: [Workload], repetitions: Int = 1) {
        self.cells = cells
        self.dropped = dropped
        self.workloads = workloads
        self.repetitions = repetitions
    }
}

extension Matrix {
    /// The cell with the matrix's `dax-window` among its options when it maps through a window
    /// and names none itself.
    func withDaxWindow(_ cell: Cell) -> Cell {
        guard let daxWindow, cell.mapsThroughWindow, Cell.windowValues(cell.options).isEmpty else { return cell }
        var c = cell
        c.options += ["--dax-window=\(daxWindow)"]
        return c
    }

    /// The cartesian product of the axes minus excluded and invalid combinations, plus includes.
    /// 9p and sshfs have no request processing (nor request queues), so their cells collapse across those axes.
    public func expand() -> Expansion {
        var cells: [Cell] = []
        var dropped: [DroppedCell] = []
        var seen = Set<String>()
        func drop(_ cell: Cell, _ reason: String) {
            guard !seen.contains(cell.id) else { return }
            seen.insert(cell.id)
            dropped.append(DroppedCell(cell: cell, reason: reason))
        }
        for backend in backends {
            for cache in caches {
                for dax in dax {
                    for processing in processing {
                        for vmm in vmms {
                            for image in images {
                                for queues in queues {
                                    let cell = withDaxWindow(Cell(
                                        backend: backend, cache: cache, dax: dax,
                                        processing: backend.isVirtioFS ? processing : nil,
                                        options: backendOptions[backend] ?? [], vmm: vmm, image: image,
                                        // 9p, sshfs and native have no request queues: they collapse across the axis.
                                        queues: backend.isVirtioFS ? queues : 1))
                                    if let reason = cell.invalidReason {
                                        drop(cell, reason)
                                    } else if let rule = exclude.first(where: { $0.matches(cell) }) {
                                        drop(cell, "excluded by the rule at line \(rule.line.map(String.init) ?? "?") of \(file)")
                                    } else if !seen.contains(cell.id) {
                                        seen.insert(cell.id)
                                        cells.append(cell)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for cell in include.map(withDaxWindow) {
            if let reason = cell.invalidReason {
                dropped.append(DroppedCell(cell: cell, reason: "include: \(reason)"))
            } else if let same = cells.first(where: { $0.id == cell.id }), same != cell {
                dropped.append(DroppedCell(
                    cell: cell, reason: "include: same id as an expanded cell with other options; give it a label"))
            } else if !cells.contains(cell) {
                dropped.removeAll { $0.cell == cell }
                cells.append(cell)
            }
        }
        return Expansion(cells: cells, dropped: dropped, workloads: workloads, repetitions: repetitions)
    }
}

extension Expansion {
    /// Keeps the cells and workloads the filter selects.
    public func filtered(by filter: CellFilter) -> Expansion {
        Expansion(
            cells: cells.filter(filter.matches), dropped: dropped,
            workloads: workloads.filter(filter.matches), repetitions: repetitions)
    }
}
