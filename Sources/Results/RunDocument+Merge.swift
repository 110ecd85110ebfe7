import Foundation

extension RunDocument {
    /// Combines the shard runs of one fanned-out matrix into one run that reports, comparisons
    /// and the gate read like any other. Refuses, naming the runs, anything that would make the
    /// merged numbers a mixture: runs that are not shards, shards of different matrices or
    /// expansions, of different straitd commits or builds (debug, release), images, accelerators or QEMU versions, a shard
    /// given twice, a missing shard, or a shard whose cells are not the ones it was assigned.
    /// The merged run spans the earliest start to the latest finish and is complete only when
    /// every shard is.
    public static func merge(_ shards: [RunDocument], runID: String? = nil) throws(ResultsError) -> RunDocument {
        guard let first = shards.first else { throw ResultsError(.schema, "merge: no runs given") }
        var infos: [(doc: RunDocument, info: ShardInfo)] = []
        for doc in shards {
            guard let info = doc.shard else {
                throw ResultsError(.schema, "merge: run \(doc.runID) is not a shard (it was not run with --shard i/n)")
            }
            infos.append((doc, info))
        }
        let base = infos[0]
        func refuse(_ what: String, _ value: (RunDocument) -> String?) throws(ResultsError) {
            let values = Dictionary(grouping: shards, by: { value($0) ?? "unknown" })
            guard values.count > 1 else { return }
            let list = values.keys.sorted().map { key in
                "\(key) (\(values[key]!.map(\.runID).joined(separator: ", ")))"
            }.joined(separator: " vs ")
            throw ResultsError(.schema, "merge: shards of different \(what): \(list)")
        }
        try refuse("matrices") { $0.matrix }
        try refuse("commits (straitd)") { $0.environment.straitdSHA }
        try refuse("straitd builds (debug or release)") { $0.environment.straitdBuild }
        try refuse("images") { $0.environment.imageHash }
        try refuse("accelerators") { $0.environment.accelerator }
        try refuse("QEMU versions") { $0.environment.qemuVersion }
        try refuse("vCPU counts") { $0.environment.vcpus.map(String.init) }
        try refuse("step isolation (runs from before host flushing)") { $0.environment.stepIsolation ?? "none" }
        try refuse("shard counts") { $0.shard.map { String($0.count) } }
        try refuse("expansions (cells, workloads or repetitions differ: another filter or matrix file)") { doc in
            doc.shard.map { "cells \($0.allCells.joined(separator: ",")); workloads \($0.workloads.joined(separator: ",")); repetitions \($0.repetitions)" }
        }
        let count = base.info.count
        let byIndex = Dictionary(grouping: infos, by: { $0.info.index })
        if let (index, twice) = byIndex.sorted(by: { $0.key < $1.key }).first(where: { $0.value.count > 1 }) {
            throw ResultsError(.schema, "merge: overlapping shards: shard \(index)/\(count) given \(twice.count) times (\(twice.map(\.doc.runID).joined(separator: ", ")))")
        }
        let missing = (1...count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw ResultsError(.schema, "merge: missing shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) of \(first.matrix)")
        }
        var owner: [String: String] = [:]
        for (doc, info) in infos {
            for cell in info.cells + doc.cells.filter(\.isHostSpeed).map(\.cellID) {
                if let other = owner[cell] {
                    throw ResultsError(.schema, "merge: cell \(cell) is in shard runs \(other) and \(doc.runID)")
                }
                owner[cell] = doc.runID
            }
            if let stray = doc.cells.first(where: { !$0.isHostSpeed && !info.cells.contains($0.cellID) }) {
                throw ResultsError(.schema, "merge: run \(doc.runID) has cell \(stray.cellID), which is not in its shard \(info.label)")
            }
        }
        let uncovered = base.info.allCells.filter { owner[$0] == nil }
        guard uncovered.isEmpty else {
            throw ResultsError(.schema, "merge: cells no shard was assigned: \(uncovered.joined(separator: ", "))")
        }

        let ordered = infos.sorted { $0.info.index < $1.info.index }
        var merged = RunDocument(
            runID: runID ?? first.runID + "-merged", matrix: first.matrix,
            startedAt: ordered.map(\.doc.startedAt).min()!, environment: first.environment, tolerances: first.tolerances)
        let results = Dictionary(uniqueKeysWithValues: ordered.flatMap(\.doc.cells).map { ($0.cellID, $0) })
        // Host-speed cells are not in the sharded expansion (the runner runs them in one shard):
        // kept from whichever shard ran them, first, as an unsharded run records them.
        merged.cells = ordered.flatMap { $0.doc.cells.filter(\.isHostSpeed) } + base.info.allCells.compactMap { results[$0] }
        merged.filter = first.filter
        merged.complete = ordered.allSatisfy(\.doc.complete)
        merged.finishedAt = merged.complete ? ordered.compactMap(\.doc.finishedAt).max() : nil
        merged.mergedFrom = ordered.map { doc, info in
            MergedShard(runID: doc.runID, index: info.index, count: info.count, startedAt: doc.startedAt,
                        finishedAt: doc.finishedAt, complete: doc.complete, host: doc.environment.host,
                        cells: doc.cells.filter(\.isHostSpeed).map(\.cellID) + info.cells)
        }
        return merged
    }
}
