import Foundation
import Matrix
import Results
import Stats
import Testing
@testable import Reports

@Suite struct ReproductionsTests {
    static let publishedDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("matrices/published").path

    /// Every published table parses, names a committed matrix, and maps its configurations to
    /// cells that matrix really expands to (so the docs never compare against a cell that cannot exist).
    @Test func publishedTablesMapToCellsOfTheirMatrices() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.publishedDir).filter { $0.hasSuffix(".txt") }
        #expect(files.count >= 5)
        for file in files {
            let report = try PublishedReport.load(path: Self.publishedDir + "/" + file)
            #expect(file == report.matrix + ".txt")
            let matrixPath = Self.publishedDir + "/../\(report.matrix).yaml"
            let cells = Set(try Matrix.load(path: matrixPath).expand().cells.map(\.id))
            for map in report.mapping {
                #expect(map.reference == PublishedReport.Mapping.none || cells.contains(map.reference),
                        "\(file): \(map.reference) is not a cell of \(report.matrix)")
                if let s = map.straitd { #expect(cells.contains(s), "\(file): \(s) is not a cell of \(report.matrix)") }
            }
            let workloads = Set(try Matrix.load(path: matrixPath).workloads.map(\.name))
            for w in report.workloads { #expect(workloads.contains(w), "\(file): workload \(w) not in the matrix") }
        }
    }

    @Test func parseErrorsNameTheLine() {
        #expect(throws: PublishedReport.ParseError.self) { try PublishedReport.parse("matrix: m\nrow a w 1\n") }
        #expect(throws: PublishedReport.ParseError.self) { try PublishedReport.parse("matrix: m\nmap a = x\nrow a w fast\n") }
        #expect(throws: PublishedReport.ParseError.self) { try PublishedReport.parse("matrix: m\nmap a = x\nclaim t | a >> b\n") }
        #expect(throws: PublishedReport.ParseError.self) { try PublishedReport.parse("matrix: m\nmap a = -\n") }
        do { _ = try PublishedReport.parse("matrix: m\nbogus: 1\n", file: "f") } catch { #expect(error.description == "f:2: unknown field 'bogus'") }
    }

    /// Claims are checked on our numbers: an ordering that holds, one that does not, one whose
    /// cell was skipped (cannot tell).
    @Test func claimsAreJudgedOnOurNumbers() throws {
        let report = try PublishedReport.parse("""
            title: T
            matrix: m
            unit: MiB/s
            map fast = straitd-auto-inline
            map slow = 9p-loose
            map gone = straitd-auto-dax-inline
            claim fast beats slow | fast > slow
            claim slow beats fast | slow > fast
            claim dax beats fast | gone > fast
            row fast randread-psync 100
            row slow randread-psync 50
            row gone randread-psync 0
            """)
        var doc = RunDocument(runID: "r", matrix: "m-quick", environment: RunEnvironment(
            accelerator: "tcg", acceleratorReason: "no KVM",
            host: HostFingerprint(hostname: "h", cpuModel: "CPU", cpus: 2, memoryBytes: 24 << 30, kernel: "k")))
        func cell(_ c: Cell, _ kib: Double, verdict: Verdict = .pass) -> CellResult {
            let dir = FioDirection(bandwidthKiBps: kib, iops: kib / 4, ioBytes: 1, runtimeMs: 1, clatMeanNs: 1, clatPercentilesNs: [:])
            let fio = FioSummary(fioVersion: "fio", jobs: [], read: dir, write: FioDirection())
            return CellResult(cell: c, verdict: verdict, workloads: verdict == .pass ? [WorkloadResult(workload: "randread-psync", repetitions: [Repetition(index: 0, fio: fio)])] : [])
        }
        doc.cells = [cell(Cell(backend: .straitd, cache: "auto", processing: .inline), 20 * 1024),
                     cell(Cell(backend: .ninep, cache: "loose"), 5 * 1024),
                     cell(Cell(backend: .straitd, cache: "auto", dax: .on, processing: .inline), 0, verdict: .skipped("no DAX window"))]
        doc.complete = true
        let text = Reports.reproductions([report], runs: ["m": doc], command: "x")
        #expect(text.contains("| fast beats slow (`fast > slow`) | 1/1 workloads, ratio 2.00 | 1/1 workloads, ratio 4.00 |"))
        #expect(text.contains("| slow beats fast (`slow > fast`) | 0/1 workloads, ratio 0.50 | 0/1 workloads, ratio 0.25 |"))
        #expect(text.contains("does not hold"))
        #expect(text.contains("| dax beats fast (`gone > fast`) | not measured | not measured | not measured | cannot tell |"))
        #expect(text.contains("| randread-psync | fast | 100 | 20.0 |"))
        #expect(text.contains("quick profile"))
        #expect(text.contains("no KVM: absolute numbers are not comparable"))
        var partial = doc
        partial.complete = false
        #expect(Reports.reproductions([report], runs: ["m": partial], command: "x").contains("(**incomplete**: 3 cells recorded"))
        #expect(!text.contains("(**incomplete**"))
        // A run of part of the matrix (--filter) and of part of the report's workloads says so;
        // the rows it did not measure read 'not run'.
        var twoRows = report
        twoRows.rows.append(.init(name: "fast", workload: "seqread-psync", value: 90, text: "90"))
        var filtered = doc
        filtered.filter = "workload=randread-psync"
        let filteredText = Reports.reproductions([twoRows], runs: ["m": filtered], command: "x")
        #expect(filteredText.contains("(**part of the matrix**: `--filter workload=randread-psync`) (**partial**: 1 of the report's 2 workloads measured"))
        #expect(filteredText.contains("| seqread-psync | fast | 90 | not run |"))
        #expect(!text.contains("partial"))
        // The cells' VMM, when they record one, names the QEMU they ran on.
        var onDax = doc
        for i in onDax.cells.indices { onDax.cells[i].vmm = "QEMU 1:11.1.3" }
        #expect(Reports.reproductions([report], runs: ["m": onDax], command: "x").contains(", QEMU 1:11.1.3, guest vCPUs not recorded (2 by default) and 1 GiB"))
        // The guest's vCPUs as the run recorded them.
        onDax.environment.vcpus = 4
        #expect(Reports.reproductions([report], runs: ["m": onDax], command: "x").contains(", QEMU 1:11.1.3, guest 4 vCPU and 1 GiB"))
        // note: lines become paragraphs under the section.
        var noted = report
        noted.notes = ["Found X."]
        #expect(Reports.reproductions([noted], runs: ["m": doc], command: "x").contains("\n\n**Note.** Found X.\n\n"))
        #expect(try PublishedReport.parse("matrix: m\nnote: a b: c").notes == ["a b: c"])
        // A configuration only straitd has (`map NAME = - STRAITD-CELL`): no reference number, the
        // claim judged on straitd alone.
        let onlyStraitd = try PublishedReport.parse("matrix: m\nmap sw = - straitd-auto-inline\nmap slow = 9p-loose\nclaim sw beats slow | sw > slow\n")
        let swText = Reports.reproductions([onlyStraitd], runs: ["m": doc], command: "x")
        #expect(swText.contains("| sw beats slow (`sw > slow`) | not measured | not measured | 1/1 workloads, ratio 4.00 | **holds** (not decided: 1 repetition, no interval) (straitd) |"))
        #expect(swText.contains("| randread-psync | sw | - | - | 20.0 |"))
        // A cell whose VM died in a later step: the workloads measured before stand, marked; the
        // one that died reads as the failure.
        var crashed = doc
        crashed.cells[0].verdict = .fail("randrw-libaio-multi: connection closed")
        crashed.cells[0].workloads.append(WorkloadResult(workload: "randrw-libaio-multi", repetitions: []))
        let crashedText = Reports.reproductions([report], runs: ["m": crashed], command: "x")
        #expect(crashedText.contains("| randread-psync | fast | 100 | 20.0 (cell failed in a later step) |"))
        #expect(crashedText.contains("| fast beats slow (`fast > slow`) | 1/1 workloads, ratio 2.00 | 1/1 workloads, ratio 4.00 |"))
        // A published row the run never had reads 'not run', not the failure of a workload it had.
        #expect(Reports.reproductions([twoRows], runs: ["m": crashed], command: "x").contains("| seqread-psync | fast | 90 | not run |"))
        var corrupt = crashed
        corrupt.cells[0].verification = Verification(passed: false, filesChecked: 1, mismatches: ["x differs"])
        #expect(Reports.reproductions([report], runs: ["m": corrupt], command: "x").contains("| randread-psync | fast | 100 | fail: randrw-libaio-multi: connection closed |"))
        // A report whose matrix never ran says so, with the command.
        #expect(Reports.reproductions([report], runs: [:], command: "x").contains("not run yet"))
    }
}

/// Repetitions give each conclusion an interval per workload; several stored runs of one matrix
/// combine only when their straitd, image, QEMU, accelerator and vCPUs agree.
@Suite struct ReproductionIntervalTests {
    static let report = try! PublishedReport.parse("""
        title: T
        matrix: m
        unit: MiB/s
        map inline = - straitd-auto-inline
        map pool = - straitd-auto-pool16
        claim inline beats the pool | inline > pool | *-psync
        claim the pool beats inline | pool > inline | *-psync
        """)
    static let inline = Cell(backend: .straitd, cache: "auto", processing: .inline)
    static let pool = Cell(backend: .straitd, cache: "auto", processing: .pool(16))

    /// A complete quick run of `m` by straitd `sha` (release): inline and pool16 randread-psync
    /// and randwrite-psync at these MiB/s per repetition.
    static func run(_ id: String, sha: String = "abc", start: Double = 0, inline: [Double], pool: [Double],
                    writeInline: [Double]? = nil, writePool: [Double]? = nil) -> RunDocument {
        var doc = RunDocument(runID: id, matrix: "m-quick", startedAt: Date(timeIntervalSince1970: start), environment: RunEnvironment(
            straitdSHA: sha, straitdBuild: "release", imageHash: "img", qemuVersion: "7.2", accelerator: "tcg",
            acceleratorReason: "no KVM", host: Runs.host))
        doc.filter = "backend=straitd"
        doc.cells = [
            CellResult(cell: Self.inline, verdict: .pass, workloads: [
                Runs.workload("randread-psync", reads: inline.map { $0 * 1024 }),
                Runs.workload("randwrite-psync", reads: (writeInline ?? inline).map { $0 * 1024 })]),
            CellResult(cell: Self.pool, verdict: .pass, workloads: [
                Runs.workload("randread-psync", reads: pool.map { $0 * 1024 }),
                Runs.workload("randwrite-psync", reads: (writePool ?? pool).map { $0 * 1024 })]),
        ]
        doc.complete = true
        doc.finishedAt = Date(timeIntervalSince1970: start + 600)
        return doc
    }

    @Test func separatedRepetitionsDecideAndOverlappingOnesDoNot() {
        let apart = Self.run("a", inline: [10, 11, 12], pool: [4, 5, 6])
        let text = Reports.reproductions([Self.report], runs: ["m": apart], command: "x")
        #expect(text.contains("| inline beats the pool (`inline > pool`) | not measured | not measured | 2/2 workloads, ratio 2.20; randread-psync 2.20 [2.00, 2.50] paired, randwrite-psync 2.20 [2.00, 2.50] paired | **holds**, decided (every interval on the claimed side of 1) (straitd) |"))
        #expect(text.contains("| the pool beats inline (`pool > inline`) | not measured | not measured | 0/2 workloads, ratio 0.45; randread-psync 0.45 [0.40, 0.50] paired, randwrite-psync 0.45 [0.40, 0.50] paired | does not hold, decided (every interval on the other side of 1) (straitd) |"))
        #expect(text.contains("(**quick profile**: small files, short runtimes, 3 repetitions; indicative only)"))
        // Medians ordered the claimed way, but the samples overlap: the majority stands, undecided.
        let overlapping = Self.run("b", inline: [10, 3, 12], pool: [4, 11, 6], writeInline: [10, 11, 12], writePool: [4, 5, 6])
        let undecided = Reports.reproductions([Self.report], runs: ["m": overlapping], command: "x")
        #expect(undecided.contains("| not decided (intervals: 1 on the claimed side of 1, 0 on the other, 1 across it) (straitd) |"))
        // Repetitions that do not pair up (3 against 4): the interval of the ratio of the medians.
        let unpaired = Self.run("u", inline: [10, 11, 12], pool: [4, 5, 6, 5])
        #expect(Reports.reproductions([Self.report], runs: ["m": unpaired], command: "x").contains("randread-psync 2.20 [1.82, 2.75], randwrite-psync"))
        // Two repetitions: no interval, said so.
        let two = Self.run("c", inline: [10, 11], pool: [4, 5])
        #expect(Reports.reproductions([Self.report], runs: ["m": two], command: "x").contains("| **holds** (not decided: 2 repetitions, no interval) (straitd) |"))
    }

    @Test func runsCombineOnlyWhenTheirBuildAndMachineAgree() {
        let a = Self.run("a", start: 0, inline: [10, 3], pool: [4, 11])
        let b = Self.run("b", start: 1000, inline: [11, 12], pool: [5, 6])
        let otherBuild = Self.run("old", sha: "def", start: 500, inline: [1], pool: [100])
        let dirty = Self.run("dirty", sha: "abc-dirty", start: 2000, inline: [1], pool: [100])
        var otherFilter = Self.run("f", start: 700, inline: [1], pool: [100])
        otherFilter.filter = "backend=straitd,workload=randread-psync"
        var incomplete = Self.run("i", start: 800, inline: [1], pool: [100])
        incomplete.complete = false
        var debug = Self.run("d", start: 900, inline: [1], pool: [100])
        debug.environment.straitdBuild = "debug"
        let stored = [a, b, otherBuild, dirty, otherFilter, incomplete, debug]
        // Another filter and an incomplete run combine (the union; the page marks the incomplete
        // one); another straitd commit or build, or a dirty one, does not.
        #expect(Reports.combinable(with: b, among: stored).map(\.runID) == ["a", "f", "i", "b"])
        #expect(Reports.combinable(with: otherBuild, among: stored).map(\.runID) == ["old"])
        #expect(Reports.combinable(with: dirty, among: stored + [Self.run("dirty2", sha: "abc-dirty", inline: [1], pool: [1])]).map(\.runID) == ["dirty"])
        #expect(Reports.combinable(with: debug, among: stored).map(\.runID) == ["d"])
        // Two merges of overlapping shards: only the newer one, so no shard counts twice.
        func merged(_ id: String, _ shards: [String], start: Double) -> RunDocument {
            var doc = Self.run(id, start: start, inline: [10], pool: [5])
            doc.mergedFrom = shards.map { MergedShard(runID: $0, index: 1, count: 1, startedAt: Date(), finishedAt: nil, complete: true, host: Runs.host, cells: []) }
            return doc
        }
        let m1 = merged("m1", ["s1", "s2"], start: 3000), m2 = merged("m2", ["s1", "s2f"], start: 4000), m3 = merged("m3", ["t1", "t2"], start: 5000)
        #expect(Reports.combinable(with: m3, among: [m1, m2, m3]).map(\.runID) == ["m2", "m3"])
        // The pooled table: both runs named with what they gave, their repetitions appended.
        let text = Reports.reproductions([Self.report], combining: ["m": [b, a]], command: "x")
        #expect(text.contains("- Ours: **2 runs combined** (union of their cells and workloads, 4 repetitions per cell and workload) (**quick profile**"))
        #expect(text.contains("\n  - `a`, 1970-01-01 00:00-00:10 UTC, `--filter backend=straitd`: 2 cells, 2 workloads, 2 repetitions (8 measurements)\n  - `b`, 1970-01-01 00:16-00:26 UTC"))
        #expect(text.contains("- Left out as disturbed: 0 of 16 repetitions\n"))
        // One run's overlapping repetitions (10, 3 against 4, 11) keep the pooled intervals across 1.
        #expect(text.contains("ratio 1.91; randread-psync 2.10 [0.27, 2.50] paired, randwrite-psync 2.10 [0.27, 2.50] paired | not decided (every interval spans 1) (straitd) |"))
        #expect(text.contains("| randread-psync | inline | - | - | 10.5 |"))
        // A cell that failed in one of the pooled runs reads as failed.
        var failedB = b
        failedB.cells[1].verdict = .fail("randwrite-psync: daemon died")
        let failedText = Reports.reproductions([Self.report], combining: ["m": [a, failedB]], command: "x")
        #expect(failedText.contains("(cell failed in a later step)"))
    }
}

@Suite struct MergedRunMarkdownTests {
    @Test func mergedAndShardRunsSaySo() throws {
        let host = HostFingerprint(hostname: "m1", cpuModel: "CPU", cpus: 2, memoryBytes: 1 << 30, kernel: "k")
        let env = RunEnvironment(accelerator: "tcg", acceleratorReason: "r", host: host)
        let cell = Cell(backend: .ninep, cache: "loose")
        var shard = RunDocument(runID: "n-s1", matrix: "m", startedAt: Date(timeIntervalSince1970: 0), environment: env)
        shard.cells = [CellResult(cell: cell, verdict: .pass)]
        shard.shard = ShardInfo(index: 1, count: 1, cells: [cell.id], allCells: [cell.id], workloads: [], repetitions: 1)
        shard.complete = true
        shard.finishedAt = Date(timeIntervalSince1970: 90)
        #expect(Reports.markdown([LabeledRun(label: "s", run: shard)]).contains("| shard | 1/1: 1 of 1 cells"))
        let merged = try RunDocument.merge([shard], runID: "n")
        #expect(Reports.markdown([LabeledRun(label: "n", run: merged)]).contains("| shard 1/1 | `n-s1`: 1 cells, 90 s, on m1 (CPU) |"))
    }
}
