extension WorkloadResult {
    /// The repetitions a value or interval is made of: all but those measured while other work
    /// took the host (`Repetition.disturbed`). docs/benchmarks.md's in-guest tables and
    /// docs/reproductions.md both read their numbers through this one filter, so a repetition left
    /// out of one is left out of the other.
    public var undisturbed: [Repetition] { repetitions.filter { !$0.disturbed() } }
}

extension RunDocument {
    /// This run with its disturbed repetitions taken out (`WorkloadResult.undisturbed`), and how
    /// many were. A workload all of whose repetitions were disturbed keeps no repetition.
    public func withoutDisturbed() -> (run: RunDocument, leftOut: Int) {
        var doc = self
        var leftOut = 0
        for c in doc.cells.indices {
            for w in doc.cells[c].workloads.indices {
                let kept = doc.cells[c].workloads[w].undisturbed
                leftOut += doc.cells[c].workloads[w].repetitions.count - kept.count
                doc.cells[c].workloads[w].repetitions = kept
            }
        }
        return (doc, leftOut)
    }
}
