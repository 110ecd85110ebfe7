import Foundation
import Matrix
import Testing
@testable import Results

@Suite struct MergeTests {
    static let cells = ["straitd-none-inline", "straitd-auto-inline", "9p-loose"].map { id -> Cell in
        let parts = id.split(separator: "-")
        return parts[0] == "9p" ? Cell(backend: .ninep, cache: "loose") : Cell(backend: .straitd, cache: String(parts[1]), processing: .inline)
    }
    static let all = cells.map(\.id)

    static func shard(_ index: Int, of count: Int, cells: [Cell], id: String? = nil, at start: Double = 1000,
                      sha: String = "abc123", matrix: String = "smoke", allCells: [String] = all) -> RunDocument {
        var doc = RunDocument(runID: id ?? "s\(index)", matrix: matrix, startedAt: Date(timeIntervalSince1970: start),
                              environment: Sample.environment(sha: sha))
        doc.cells = cells.map { Sample.cellResult(bws: [100, 110], cell: $0) }
        doc.shard = ShardInfo(index: index, count: count, cells: cells.map(\.id), allCells: allCells,
                              workloads: ["randread-psync", "tar"], repetitions: 2)
        doc.complete = true
        doc.finishedAt = Date(timeIntervalSince1970: start + 100)
        return doc
    }

    var one: RunDocument { Self.shard(1, of: 2, cells: [Self.cells[0], Self.cells[2]], at: 1000) }
    var two: RunDocument { Self.shard(2, of: 2, cells: [Self.cells[1]], at: 2000) }

    @Test func mergesInExpansionOrderAndSpansTheShards() throws {
        let merged = try RunDocument.merge([two, one], runID: "m")
        #expect(merged.runID == "m")
        #expect(merged.cells.map(\.cellID) == Self.all)
        #expect(merged.complete)
        #expect(merged.startedAt == Date(timeIntervalSince1970: 1000))
        #expect(merged.finishedAt == Date(timeIntervalSince1970: 2100))
        #expect(merged.mergedFrom?.map(\.runID) == ["s1", "s2"])
        #expect(merged.shard == nil)
        // It round-trips as an ordinary document.
        #expect(try RunDocument.decode(merged.encoded()) == merged)
        // An unfinished shard makes the merged run incomplete.
        var unfinished = two
        unfinished.complete = false
        #expect(try RunDocument.merge([one, unfinished]).complete == false)
    }

    @Test func refusesMixtures() throws {
        func refusal(_ docs: [RunDocument]) -> String {
            do { _ = try RunDocument.merge(docs); return "merged" } catch { return error.message }
        }
        var plain = one
        plain.shard = nil
        #expect(refusal([plain, two]).contains("is not a shard"))
        #expect(refusal([one, Self.shard(2, of: 2, cells: [Self.cells[1]], matrix: "nightly")]).contains("different matrices"))
        #expect(refusal([one, Self.shard(2, of: 2, cells: [Self.cells[1]], sha: "def456")]).contains("different commits"))
        var release = one, debug = two
        release.environment.straitdBuild = "release"
        debug.environment.straitdBuild = "debug"
        #expect(refusal([release, debug]).contains("different straitd builds (debug or release): debug (s2) vs release (s1)"))
        var otherImage = two
        otherImage.environment.imageHash = "img2"
        #expect(refusal([one, otherImage]).contains("different images"))
        var twoCPUs = one, fourCPUs = two
        twoCPUs.environment.vcpus = 2
        fourCPUs.environment.vcpus = 4
        #expect(refusal([twoCPUs, fourCPUs]).contains("different vCPU counts: 2 (s1) vs 4 (s2)"))
        var flushed = two
        flushed.environment.stepIsolation = "host-flush"
        #expect(refusal([one, flushed]).contains("different step isolation (runs from before host flushing): host-flush (s2) vs none (s1)"))
        #expect(refusal([one, Self.shard(2, of: 3, cells: [Self.cells[1]])]).contains("different shard counts"))
        #expect(refusal([one, Self.shard(2, of: 2, cells: [Self.cells[1]], allCells: Array(Self.all.prefix(2)))])
            .contains("different expansions"))
        #expect(refusal([one, Self.shard(1, of: 2, cells: [Self.cells[1]], id: "again")]) == "merge: overlapping shards: shard 1/2 given 2 times (s1, again)")
        #expect(refusal([one]) == "merge: missing shard 2/2 of smoke")
        #expect(refusal([one, Self.shard(2, of: 2, cells: [Self.cells[0], Self.cells[1]])]).contains("cell straitd-none-inline is in shard runs s1 and s2"))
        #expect(refusal([one, Self.shard(2, of: 2, cells: [])]).contains("cells no shard was assigned: straitd-auto-inline"))
        var stray = two
        stray.cells.append(Sample.cellResult(bws: [1], cell: Self.cells[2]))
        #expect(refusal([one, stray]).contains("has cell 9p-loose, which is not in its shard 2/2"))
        #expect(refusal([]).contains("no runs"))
    }

    /// Host-speed cells (strait-load: `load`, `instructions`, `fuzz`) are outside the sharded VM
    /// expansion: whichever shard ran them, the merged run keeps them, in shard order, ahead of
    /// the VM cells as a run records them; the same one in two shards is refused.
    @Test func keepsHostSpeedCellsOfEveryShard() throws {
        func hostSpeed(_ label: String) -> CellResult {
            CellResult(cell: Cell(backend: .straitd, cache: "auto", processing: nil, label: label), verdict: .pass,
                       workloads: [WorkloadResult(workload: "read4k-qd1", repetitions: [Repetition(index: 0, load: ["ops.iops": 1000])])])
        }
        var first = one
        first.cells.insert(hostSpeed("load"), at: 0)
        var second = two
        second.cells.insert(contentsOf: [hostSpeed("instructions"), hostSpeed("fuzz")], at: 0)
        let merged = try RunDocument.merge([second, first], runID: "m")
        #expect(merged.cells.map(\.cellID) == ["straitd-auto-load", "straitd-auto-instructions", "straitd-auto-fuzz"] + Self.all)
        #expect(merged.cells[0].workloads[0].repetitions[0].load == ["ops.iops": 1000])
        #expect(merged.mergedFrom?.first { $0.index == 2 }?.cells == ["straitd-auto-instructions", "straitd-auto-fuzz", Self.cells[1].id])
        var twice = two
        twice.cells.insert(hostSpeed("load"), at: 0)
        do {
            _ = try RunDocument.merge([first, twice])
            Issue.record("merged a host-speed cell present in two shards")
        } catch {
            #expect(error.message == "merge: cell straitd-auto-load is in shard runs s1 and s2")
        }
    }

    /// The history holds the merged run once, in place of the shards.
    @Test func historyRecordsTheMergedRunOnce() throws {
        let dir = try Sample.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ResultStore(root: dir)
        try store.record(one)
        try store.record(two)
        #expect(try store.history().runs().count == 2)
        let merged = try RunDocument.merge([one, two], runID: "m")
        let path = try store.saveMerged(merged, replacing: [one, two])
        #expect(try store.load("m") == merged)
        #expect(try RunDocument.load(path: path) == merged)
        let history = try store.history()
        #expect(try history.runs().map(\.runID) == ["m"])
        #expect(try history.samples(runID: "m", cellID: "9p-loose", workload: "randread-psync", metric: "read.bw") == [100, 110])
    }
}
