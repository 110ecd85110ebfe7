extension WorkloadResult {
    /// The repetitions a value or interval is made of: all but those measured while other work
    /// took the host (`Repetition.disturbed`). docs/benchmarks.md's in-guest tables and
    /// docs/reproductions.md both read their numbers through this one filter, so a repetition left
    /// out of one is left out of the other.
    public var undisturbed: [Repetition] { repetitions.filter { !$0.disturbed() } }
}

extension RunDocument {
    /// Repetitions of one cell's workload left out as disturbed.
    public struct LeftOut: Sendable, Equatable {
        public var cellID: String
        public var workload: String
        public var count: Int

        public init(cellID: String, workload: String, count: Int) {
            self.cellID = cellID
            self.workload = workload
            self.count = count
        }
    }

    /// This run with its disturbed repetitions taken out (`WorkloadResult.undisturbed`), and how
    /// many were, in all and per cell and workload (only those that lost some). A workload all of
    /// whose repetitions were disturbed keeps no repetition.
    public func withoutDisturbed() -> (run: RunDocument, leftOut: Int, perWorkload: [LeftOut]) {
        var doc = self
        var perWorkload: [LeftOut] = []
        for c in doc.cells.indices {
            for w in doc.cells[c].workloads.indices {
                let kept = doc.cells[c].workloads[w].undisturbed
                let dropped = doc.cells[c].workloads[w].repetitions.count - kept.count
                if dropped > 0 { perWorkload.append(LeftOut(cellID: doc.cells[c].cellID, workload: doc.cells[c].workloads[w].workload, count: dropped)) }
                doc.cells[c].workloads[w].repetitions = kept
            }
        }
        return (doc, perWorkload.reduce(0) { $0 + $1.count }, perWorkload)
    }
}
