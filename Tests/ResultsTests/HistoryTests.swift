import Foundation
import Matrix
import Stats
import Testing
@testable import Results

@Suite struct HistoryTests {
    @Test func migratesAndRoundTrips() throws {
        let dir = try Sample.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/history.sqlite"
        do {
            let history = try History(path: path)
            #expect(try history.appliedMigrations() == ["v1: runs, cells, samples", "v2: workload verdicts"])
            try history.record(Sample.run("r1", at: 1000, bws: [100, 120, 110]), documentPath: dir + "/r1.json")
        }
        // Reopen: the schema is not re-applied and the data is there.
        let history = try History(path: path)
        let runs = try history.runs()
        #expect(runs.map(\.runID) == ["r1"])
        #expect(runs[0].documentPath == dir + "/r1.json")
        #expect(runs[0].accelerator == "tcg")
        #expect(try history.samples(runID: "r1", cellID: Sample.cell.id, workload: "randread-psync", metric: "read.bw") == [100, 120, 110])
        #expect(try history.samples(runID: "r1", cellID: Sample.cell.id, workload: "tar", metric: "tar.seconds") == [20, 22])
        #expect(try history.verdict(runID: "r1", cellID: Sample.cell.id) == .pass)
    }

    @Test func reRecordingReplacesARun() throws {
        let history = try History()
        try history.record(Sample.run("r1", at: 1000, bws: [1, 2], complete: false))
        try history.record(Sample.run("r1", at: 1000, bws: [7, 8, 9]))
        #expect(try history.runs().count == 1)
        #expect(try history.run("r1")?.complete == true)
        #expect(try history.samples(runID: "r1", cellID: Sample.cell.id, workload: "randread-psync", metric: "read.bw") == [7, 8, 9])
    }

    /// A NaN sample violates NOT NULL halfway through the transaction: nothing of that run lands
    /// and the earlier history is untouched.
    @Test func failedWriteRollsBackEntirely() throws {
        let history = try History()
        try history.record(Sample.run("good", at: 1000, bws: [100, 101]))
        #expect(throws: ResultsError.self) {
            try history.record(Sample.run("bad", at: 2000, bws: [100, .nan]))
        }
        #expect(try history.runs().map(\.runID) == ["good"])
        // Replacing an existing run with a bad document keeps the old one.
        #expect(throws: ResultsError.self) {
            try history.record(Sample.run("good", at: 1000, bws: [.nan]))
        }
        #expect(try history.samples(runID: "good", cellID: Sample.cell.id, workload: "randread-psync", metric: "read.bw") == [100, 101])
    }

    @Test func baselineIsTheNewestEarlierCompleteComparableRun() throws {
        let history = try History()
        try history.record(Sample.run("a", at: 1000, sha: "s1", bws: [1]))
        try history.record(Sample.run("b", at: 2000, sha: "s2", bws: [1]))
        try history.record(Sample.run("partial", at: 2500, sha: "s3", bws: [1], complete: false))
        var otherHost = Sample.run("elsewhere", at: 2600, bws: [1])
        otherHost.environment.host.cpus = 64
        try history.record(otherHost)
        try history.record(Sample.run("c", at: 3000, sha: "s4", bws: [1]))
        let candidate = try #require(try history.run("c"))
        #expect(try history.baseline(for: candidate)?.runID == "b")
        #expect(try history.baseline(for: candidate, straitdSHA: "s1")?.runID == "a")
        #expect(try history.runs(completeOnly: true).map(\.runID) == ["c", "elsewhere", "b", "a"])
        #expect(try history.runs(matrix: "nightly").isEmpty)
    }

    @Test func trendIsOneMedianPerCompleteRun() throws {
        let history = try History()
        try history.record(Sample.run("a", at: 1000, bws: [10, 30, 20]))
        try history.record(Sample.run("b", at: 2000, bws: [40, 50]))
        try history.record(Sample.run("x", at: 2500, bws: [999], complete: false))
        try history.record(Sample.run("c", at: 3000, bws: [60]))
        let points = try history.trend(cellID: Sample.cell.id, workload: "randread-psync", metric: "read.bw")
        #expect(points.map(\.runID) == ["a", "b", "c"])
        #expect(points.map(\.median) == [20, 45, 60])
        #expect(points.map(\.samples) == [3, 2, 1])
        #expect(try history.trend(cellID: Sample.cell.id, workload: "randread-psync", metric: "read.bw", limit: 2).map(\.runID) == ["b", "c"])
    }

    @Test func deleteCascades() throws {
        let history = try History()
        try history.record(Sample.run("a", at: 1000, bws: [10]))
        try history.delete(runID: "a")
        #expect(try history.runs().isEmpty)
        #expect(try history.samples(runID: "a", cellID: Sample.cell.id, workload: "randread-psync", metric: "read.bw").isEmpty)
    }
}

@Suite struct ResultStoreTests {
    @Test func writesLoadsByIdOrPathAndRecords() throws {
        let root = try Sample.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = ResultStore(root: root + "/results")
        let writer = try store.writer(for: Sample.run("20261122-040512-3fa9", at: 1000, bws: [1, 2]))
        #expect(writer.path == root + "/results/runs/20261122-040512-3fa9.json")
        let done = try writer.finish()
        try store.record(done)
        #expect(try store.load("20261122-040512-3fa9") == done)
        #expect(try store.load(writer.path) == done)
        #expect(throws: ResultsError.self) { try store.load("nope") }
        let history = try store.history()
        #expect(try history.runs().first?.documentPath == writer.path)
    }
}
