/// One measurement to take: a workload in a cell, one repetition, for one variant (the daemon
/// under test, or baseline/candidate in a gate).
public struct Step: Sendable, Hashable {
    public var variant: String
    public var cell: Cell
    public var workload: Workload
    public var repetition: Int

    public init(variant: String, cell: Cell, workload: Workload, repetition: Int) {
        self.variant = variant
        self.cell = cell
        self.workload = workload
        self.repetition = repetition
    }
}

/// The order measurements are taken in. In-guest numbers under TCG drift over minutes, so
/// repetitions and variants are interleaved instead of run back to back: a slow patch of time
/// then spreads over every cell and both variants instead of landing on one of them.
public enum Schedule {
    public enum Order: Sendable {
        /// Every cell and workload once, then all again in the reverse cell order: best against
        /// drift, most VM switches.
        case repetitionMajor
        /// All repetitions of a cell before the next cell: one boot per cell.
        case cellMajor
    }

    /// The steps of an expansion. With several variants they alternate A B, then B A on the next
    /// repetition (ABBA), so neither variant always goes first.
    public static func steps(_ expansion: Expansion, variants: [String] = ["run"], order: Order = .cellMajor) -> [Step] {
        var steps: [Step] = []
        func add(_ cell: Cell, _ repetition: Int) {
            for (index, workload) in expansion.workloads.enumerated() {
                let flip = (repetition + index) % 2 == 1
                for variant in flip ? variants.reversed() : variants {
                    steps.append(Step(variant: variant, cell: cell, workload: workload, repetition: repetition))
                }
            }
        }
        switch order {
        case .repetitionMajor:
            // Cells in ABBA order too: forward, then backward on the next repetition, so no
            // daemon is always measured first (on a warm-up, or a quiet minute) in its VM.
            for repetition in 0..<expansion.repetitions {
                for cell in repetition % 2 == 0 ? expansion.cells : expansion.cells.reversed() { add(cell, repetition) }
            }
        case .cellMajor:
            for cell in expansion.cells {
                for repetition in 0..<expansion.repetitions { add(cell, repetition) }
            }
        }
        return steps
    }
}
