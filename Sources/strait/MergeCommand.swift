import ArgumentParser
import Foundation
import Reports
import Results

/// `strait merge RUN...`: the shard runs of one fanned-out matrix as one run, written under
/// `--results` and recorded in the history once (the shard runs' own history rows, when this
/// history has them, are replaced by the merged run).
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Combine the shard runs of a matrix (strait run --shard i/n) into one run.",
        discussion: "Refuses shards of different matrices, expansions, commits, images, accelerators, QEMU versions or vCPU counts, a shard given twice and a missing shard. The merged run is read by report, compare and gate like any run.")

    @Argument(help: "Shard run ids (under --results) or run document paths, every shard once.") var runs: [String]
    @Option(help: "Id of the merged run (default: the first shard's id + '-merged').") var id: String?
    @Option(help: "Results directory.") var results = ProcessInfo.processInfo.environment["STRAIT_RESULTS"] ?? "results"

    func run() throws {
        guard !runs.isEmpty else { throw ValidationError("name the shard runs to merge") }
        let store = ResultStore(root: results)
        let shards = try runs.map { reference throws in try store.load(reference) }
        let merged = try RunDocument.merge(shards, runID: id)
        let path = try store.saveMerged(merged, replacing: shards)
        print(Reports.seedTable([LabeledRun(label: merged.runID, run: merged)]), terminator: "")
        for part in merged.mergedFrom ?? [] {
            let seconds = part.finishedAt.map { $0.timeIntervalSince(part.startedAt) }
            print("shard \(part.index)/\(part.count): \(part.runID), \(part.cells.count) cells, "
                  + (seconds.map { String(format: "%.0f s", $0) } ?? "incomplete") + " on \(part.host.hostname)")
        }
        print("merged run: \(merged.runID)\(merged.complete ? "" : " (incomplete: a shard did not finish)")")
        print("run document: \(path)")
    }
}
