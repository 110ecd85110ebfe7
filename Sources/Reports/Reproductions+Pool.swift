import Foundation
import Results
import Stats

extension Reports {
    /// The stored runs docs/reproductions.md pools with `chosen`, oldest first, `chosen` among
    /// them: complete unsharded runs of the same matrix profile (quick or full) and filter, made
    /// by the same straitd commit and build (a named one: an unknown or `-dirty` straitd pools with
    /// nothing) on the same image, QEMU, accelerator and vCPU count. A run sharing a shard run with
    /// one already taken (two merges of overlapping shards) is left out, so no measurement counts
    /// twice; the newer of the two stays.
    public static func poolable(with chosen: RunDocument, among stored: [RunDocument]) -> [RunDocument] {
        func sources(_ doc: RunDocument) -> Set<String> { Set(doc.mergedFrom?.map(\.runID) ?? [doc.runID]) }
        func key(_ doc: RunDocument) -> [String?] {
            let e = doc.environment
            return [doc.matrix, doc.filter, e.straitdSHA, e.straitdBuild, e.imageHash, e.qemuVersion, e.accelerator, e.vcpus.map(String.init)]
        }
        guard chosen.complete, chosen.shard == nil, let sha = chosen.environment.straitdSHA, !sha.hasSuffix("-dirty"),
              chosen.environment.straitdBuild != nil else { return [chosen] }
        var taken = [chosen]
        var seen = sources(chosen)
        let candidates = stored.filter { $0.runID != chosen.runID && $0.complete && $0.shard == nil && key($0) == key(chosen) }
        for doc in candidates.sorted(by: { ($0.finishedAt ?? $0.startedAt) > ($1.finishedAt ?? $1.startedAt) })
        where seen.isDisjoint(with: sources(doc)) {
            taken.append(doc)
            seen.formUnion(sources(doc))
        }
        return taken.sorted { $0.startedAt < $1.startedAt }
    }

    /// One document standing for `runs` (oldest first): the newest one's identity and
    /// environment, the cells pooled (`pooledCells`), each run's repetitions numbered on from the
    /// previous run's (so repetition i still names one round of every cell). A cell that did not
    /// pass in one of the runs carries that verdict, so a failure in any of them is not hidden by
    /// a pass in another.
    static func pooledRun(_ runs: [RunDocument]) -> RunDocument {
        let newest = runs.max { $0.startedAt < $1.startedAt }!
        var doc = newest
        doc.startedAt = runs.map(\.startedAt).min()!
        var offset = 0
        let renumbered = runs.map { run in
            var run = run
            let highest = run.cells.flatMap { $0.workloads.flatMap { $0.repetitions.map(\.index) } }.max() ?? -1
            for c in run.cells.indices {
                for w in run.cells[c].workloads.indices {
                    for r in run.cells[c].workloads[w].repetitions.indices { run.cells[c].workloads[w].repetitions[r].index += offset }
                }
            }
            offset += highest + 1
            return run
        }
        doc.cells = pooledCells(renumbered).map { cell in
            var cell = cell
            if let failed = runs.lazy.compactMap({ $0.cell(cell.cellID) }).first(where: { $0.verdict != .pass }) {
                cell.verdict = failed.verdict
                cell.verification = failed.verification ?? cell.verification
            }
            return cell
        }
        doc.complete = runs.allSatisfy(\.complete)
        return doc
    }

    /// "1 repetition", "3 repetitions" or "1-3 repetitions": the measured ones per cell and workload.
    static func repetitionsText(_ run: RunDocument) -> String {
        let counts = run.cells.filter { !$0.isHostSpeed }.flatMap(\.workloads).map(\.repetitions.count).filter { $0 > 0 }
        guard let low = counts.min(), let high = counts.max() else { return "no repetitions" }
        return (low == high ? "\(low)" : "\(low)-\(high)") + " repetition" + (high == 1 ? "" : "s")
    }
}
