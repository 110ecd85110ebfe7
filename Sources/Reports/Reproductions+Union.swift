import Foundation
import Matrix
import Results
import Stats

extension Reports {
    /// The stored runs docs/reproductions.md shows for `matrix`, oldest first, by a fixed rule so
    /// that regenerating the page gives the same page: the full profile if any full run is stored,
    /// else the quick one; within it, each complete run (else each run) anchors the set
    /// `combinable` takes with it, and the set with the most measurements (`coverage`) is
    /// shown, the one with the newest anchor among equals. So a newer run that covers less (a
    /// piece of a matrix made with another straitd or runner) does not hide an older, larger
    /// union until its own pieces cover as much. Shard runs are left out (their merged run stands
    /// for them).
    public static func reproductionRuns(matrix: String, among stored: [RunDocument]) -> [RunDocument] {
        let unsharded = stored.filter { $0.shard == nil }
        let full = unsharded.filter { $0.matrix == matrix }
        let profile = full.isEmpty ? unsharded.filter { $0.matrix == matrix + Matrix.quickSuffix } : full
        let complete = newestFirst(profile.filter(\.complete))
        let anchors = complete.isEmpty ? newestFirst(profile) : complete
        var best: (runs: [RunDocument], covered: Int)?
        for anchor in anchors {
            let runs = combinable(with: anchor, among: profile)
            let covered = coverage(runs)
            if best == nil || covered > best!.covered { best = (runs, covered) }
        }
        return best?.runs ?? []
    }

    /// Measurements (repetitions of a cell's workload) among `runs`: more cells and workloads
    /// and more repetitions of them both count, so a wide one-repetition run does not hide a
    /// narrower set whose repetitions decide its conclusions.
    static func coverage(_ runs: [RunDocument]) -> Int {
        runs.reduce(0) { $0 + $1.cells.filter { !$0.isHostSpeed }.reduce(0) { $0 + $1.workloads.reduce(0) { $0 + $1.repetitions.count } } }
    }

    /// `anchor` and the runs of `stored` whose numbers may sit in one table with it, oldest first:
    /// taken newest first, each compatible with every run already taken (`incompatibility`) and
    /// sharing no shard run with them (two merges of overlapping shards: the newer stays, so no
    /// measurement counts twice). Runs that differ only in their filter, their time or their
    /// completeness combine; `CombinedRuns` makes the one table of them.
    public static func combinable(with anchor: RunDocument, among stored: [RunDocument]) -> [RunDocument] {
        func sources(_ doc: RunDocument) -> Set<String> { Set(doc.mergedFrom?.map(\.runID) ?? [doc.runID]) }
        var taken = [anchor]
        var seen = sources(anchor)
        // A run that has recorded no cell yet (just started) adds nothing but a line.
        for doc in newestFirst(stored) where doc.runID != anchor.runID && doc.shard == nil && !doc.cells.isEmpty
            && seen.isDisjoint(with: sources(doc)) && taken.allSatisfy({ incompatibility(doc, $0) == nil }) {
            taken.append(doc)
            seen.formUnion(sources(doc))
        }
        return taken.sorted { ($0.startedAt, $0.runID) < ($1.startedAt, $1.runID) }
    }

    /// Why two runs' numbers may not be shown as one table, nil when they may: another matrix or
    /// profile, image, QEMU, accelerator or vCPU count; and when both have straitd cells, another
    /// straitd commit or build, or a straitd that cannot name its own (unknown, `-dirty`). A run
    /// without straitd cells does not depend on straitd's build and combines with any.
    public static func incompatibility(_ a: RunDocument, _ b: RunDocument) -> String? {
        let x = a.environment, y = b.environment
        let checks: [(String, String?, String?)] = [
            ("matrix", a.matrix, b.matrix), ("image", x.imageHash, y.imageHash), ("QEMU", x.qemuVersion, y.qemuVersion),
            ("accelerator", x.accelerator, y.accelerator), ("vCPUs", x.vcpus.map(String.init), y.vcpus.map(String.init)),
            ("step isolation", x.stepIsolation ?? "none", y.stepIsolation ?? "none"),
        ]
        if let differ = checks.first(where: { $0.1 != $0.2 }) {
            return "other \(differ.0): \(differ.1 ?? "unknown") vs \(differ.2 ?? "unknown")"
        }
        guard hasStraitdCells(a) && hasStraitdCells(b) else { return nil }
        for e in [x, y] {
            guard let sha = e.straitdSHA, !sha.isEmpty, !sha.hasSuffix("-dirty"), e.straitdBuild != nil else {
                return "straitd cells on both sides and a straitd that does not name its commit and build (\(straitdText(e)))"
            }
        }
        if x.straitdSHA != y.straitdSHA || x.straitdBuild != y.straitdBuild {
            return "straitd cells on both sides, other straitd: \(straitdText(x)) vs \(straitdText(y))"
        }
        return nil
    }

    static func hasStraitdCells(_ doc: RunDocument) -> Bool {
        doc.cells.contains { !$0.isHostSpeed && $0.cell.backend == .straitd }
    }

    /// Newest first by finish (start when unfinished), the run id breaking ties.
    static func newestFirst(_ docs: [RunDocument]) -> [RunDocument] {
        docs.sorted { ($0.finishedAt ?? $0.startedAt, $0.runID) > ($1.finishedAt ?? $1.startedAt, $1.runID) }
    }

    /// "1 repetition", "3 repetitions" or "1-3 repetitions": the measured ones per cell and workload.
    static func repetitionsText(_ run: RunDocument) -> String {
        let counts = run.cells.filter { !$0.isHostSpeed }.flatMap(\.workloads).map(\.repetitions.count).filter { $0 > 0 }
        guard let low = counts.min(), let high = counts.max() else { return "no repetitions" }
        return (low == high ? "\(low)" : "\(low)-\(high)") + " repetition" + (high == 1 ? "" : "s")
    }
}

/// The runs one section of docs/reproductions.md shows as one table (`Reports.combinable`):
/// their disturbed repetitions taken out (`RunDocument.withoutDisturbed`, the filter
/// docs/benchmarks.md's tables use), then the union of their cells and workloads. Where two runs
/// measured the same cell and workload the repetitions are appended, each run's numbered on from
/// the previous run's, so repetition i still names one round of one VM and pairs only within it.
struct CombinedRuns {
    /// The runs, oldest first, without their disturbed repetitions.
    let runs: [RunDocument]
    /// One document standing for them: the newest run's identity, the environment of the newest
    /// one with straitd cells (the straitd whose numbers are shown), the cells' union.
    let doc: RunDocument
    /// Repetitions left out as disturbed, per run id.
    let leftOut: [String: Int]
    /// The same per cell and workload (`key`), so a row left with nothing can say why.
    let leftOutPerWorkload: [String: Int]

    init(_ stored: [RunDocument]) {
        precondition(!stored.isEmpty, "CombinedRuns of no run")
        let ordered = stored.sorted { ($0.startedAt, $0.runID) < ($1.startedAt, $1.runID) }
        var offset = 0, leftOut: [String: Int] = [:], perWorkload: [String: Int] = [:]
        runs = ordered.map { original in
            // Numbered past the highest index the run recorded, disturbed ones included.
            let highest = Self.highestIndex(original) ?? -1
            let clean = original.withoutDisturbed()
            var run = clean.run
            leftOut[run.runID] = clean.leftOut
            for dropped in clean.perWorkload { perWorkload[Self.key(dropped.cellID, dropped.workload), default: 0] += dropped.count }
            for c in run.cells.indices {
                for w in run.cells[c].workloads.indices {
                    for r in run.cells[c].workloads[w].repetitions.indices { run.cells[c].workloads[w].repetitions[r].index += offset }
                }
            }
            offset += highest + 1
            return run
        }
        self.leftOut = leftOut
        leftOutPerWorkload = perWorkload
        var doc = ordered.last!
        doc.environment = ordered.last(where: Reports.hasStraitdCells)?.environment ?? doc.environment
        doc.startedAt = ordered.map(\.startedAt).min()!
        doc.complete = ordered.allSatisfy(\.complete)
        doc.finishedAt = doc.complete ? ordered.compactMap(\.finishedAt).max() : nil
        if ordered.count > 1 { doc.filter = nil }
        doc.cells = Reports.pooledCells(runs)
        self.doc = doc
    }

    static func highestIndex(_ run: RunDocument) -> Int? {
        run.cells.flatMap { $0.workloads.flatMap { $0.repetitions.map(\.index) } }.max()
    }

    var disturbed: Int { leftOut.values.reduce(0, +) }

    static func key(_ cellID: String, _ workload: String) -> String { cellID + "\u{0}" + workload }

    /// The runs with at least one repetition of this cell and workload.
    func origin(_ cellID: String, _ workload: String) -> Set<String> {
        Set(runs.filter { !($0.cell(cellID)?.workload(workload)?.repetitions.isEmpty ?? true) }.map(\.runID))
    }

    /// The union's cell as the runs that reached `workload` in it recorded it: a failure in one of
    /// those runs is not hidden by a pass in another, and a failure in a run that never had the
    /// workload, or whose cell failed before reaching it, does not mark numbers another run
    /// measured in a passing cell. Nil when no run has the cell.
    func cell(_ cellID: String, for workload: String) -> CellResult? {
        guard var cell = doc.cell(cellID) else { return nil }
        let having = runs.compactMap { $0.cell(cellID) }
        // Runs that got to the workload (measured it, or recorded why it cannot run) decide; a run
        // whose cell failed before reaching it only when no run got to it.
        let reached = having.filter { $0.workload(workload).map(Reports.reached) ?? false }
        let listed = having.filter { $0.workload(workload) != nil }
        let relevant = reached.isEmpty ? listed : reached
        if let failed = (relevant.isEmpty ? having : relevant).first(where: { $0.verdict != .pass }) {
            cell.verdict = failed.verdict
            cell.verification = failed.verification ?? cell.verification
        } else {
            cell.verdict = .pass
        }
        return cell
    }

    /// What one run contributed: "3 cells, 2 workloads, 3 repetitions (18 measurements)".
    func contribution(_ run: RunDocument) -> String {
        let cells = run.cells.filter { c in !c.isHostSpeed && c.workloads.contains { !$0.repetitions.isEmpty } }
        let workloads = Set(cells.flatMap { $0.workloads.filter { !$0.repetitions.isEmpty }.map(\.workload) })
        let measurements = cells.reduce(0) { $0 + $1.workloads.reduce(0) { $0 + $1.repetitions.count } }
        var text = "\(cells.count) cell\(cells.count == 1 ? "" : "s"), \(workloads.count) workload\(workloads.count == 1 ? "" : "s"), "
        text += Reports.repetitionsText(run) + " (\(measurements) measurement\(measurements == 1 ? "" : "s")"
        if let dropped = leftOut[run.runID], dropped > 0 { text += " and \(dropped) disturbed, left out" }
        return text + ")"
    }
}
