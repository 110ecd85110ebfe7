import Foundation
import Matrix
import Results
import Stats
import Testing
@testable import Reports

/// Stored runs of one matrix made with different filters (pieces of a matrix too large for one
/// run) shown as one table: the union of their cells and workloads, overlaps pooled, the
/// incompatible kept apart, conclusions across runs unpaired, disturbed repetitions left out.
@Suite struct ReproductionUnionTests {
    static let report = try! PublishedReport.parse("""
        title: T
        matrix: m
        unit: MiB/s
        map inline = virtiofsd-c-none straitd-none-inline
        map 9p = 9p-none
        claim virtio-fs beats 9p | inline > 9p
        row inline randread-psync 100
        row 9p randread-psync 50
        row inline randwrite-psync 80
        row 9p randwrite-psync 40
        """)
    static let straitd = Cell(backend: .straitd, cache: "none", processing: .inline)
    static let cVirtiofsd = Cell(backend: .virtiofsdC, cache: "none")
    static let ninep = Cell(backend: .ninep, cache: "none")

    /// A complete quick run of `m`: per cell, per workload, MiB/s per repetition.
    static func run(_ id: String, start: Double, filter: String?, sha: String = "abc", image: String = "img", qemu: String = "7.2",
                    _ cells: [(Cell, [String: [Double]])]) -> RunDocument {
        var doc = RunDocument(runID: id, matrix: "m-quick", startedAt: Date(timeIntervalSince1970: start), environment: RunEnvironment(
            straitdSHA: sha, straitdBuild: "release", imageHash: image, qemuVersion: qemu, accelerator: "tcg",
            acceleratorReason: "no KVM", host: Runs.host))
        doc.environment.vcpus = 2
        doc.filter = filter
        doc.cells = cells.map { cell, workloads in
            CellResult(cell: cell, verdict: .pass, workloads: workloads.keys.sorted().map { Runs.workload($0, reads: workloads[$0]!.map { $0 * 1024 }) })
        }
        doc.complete = true
        doc.finishedAt = Date(timeIntervalSince1970: start + 600)
        return doc
    }

    @Test func disjointFiltersGiveTheUnion() {
        let reads = Self.run("r", start: 0, filter: "workload=randread-psync", [
            (Self.straitd, ["randread-psync": [20, 21, 22]]), (Self.ninep, ["randread-psync": [10, 11, 12]])])
        let writes = Self.run("w", start: 1000, filter: "workload=randwrite-psync", [
            (Self.straitd, ["randwrite-psync": [30, 31, 32]]), (Self.ninep, ["randwrite-psync": [5, 6, 7]])])
        #expect(Reports.reproductionRuns(matrix: "m", among: [reads, writes]).map(\.runID) == ["r", "w"])
        let text = Reports.reproductions([Self.report], combining: ["m": [reads, writes]], command: "x")
        #expect(text.contains("- Ours: **2 runs combined**"))
        #expect(text.contains("  - `r`, 1970-01-01 00:00-00:10 UTC, `--filter workload=randread-psync`: 2 cells, 1 workload, 3 repetitions (6 measurements)\n"))
        #expect(text.contains("  - `w`, 1970-01-01 00:16-00:26 UTC, `--filter workload=randwrite-psync`: 2 cells, 1 workload, 3 repetitions (6 measurements)\n"))
        // "partial" counts the union: both of the report's workloads are measured.
        #expect(text.contains("- Together: 2 of the report's 2 workloads measured\n"))
        #expect(!text.contains("partial"))
        #expect(text.contains("| randread-psync | 9p | 50 | 11.0 | - |"))
        #expect(text.contains("| randwrite-psync | inline | 80 | not in run | 31.0 |"))
        // Both cells of each workload came from one run: paired, not across runs.
        #expect(text.contains("randread-psync 1.91 [1.83, 2.00] paired, randwrite-psync 5.17 [4.57, 6.00] paired"))
        #expect(!text.contains("across runs ("))
    }

    /// A cell that failed in one run before reaching a workload does not hide what a later run
    /// measured for it, nor a later run's "unsupported" (s2019-q's 9p cell against s2019-9p).
    @Test func aLaterRunFillsWhatAFailedCellNeverReached() {
        var first = Self.run("q", start: 0, filter: "workload=randread-psync|randwrite-psync", [
            (Self.straitd, ["randread-psync": [20], "randwrite-psync": [30]]), (Self.ninep, ["randread-psync": [10]])])
        first.cells[1].verdict = .fail("seqwrite-mmap: EINVAL")
        first.cells[1].workloads.append(WorkloadResult(workload: "randwrite-psync", verdict: .notRun("the cell failed first")))
        var later = Self.run("p", start: 1000, filter: "backend=9p,workload=randwrite-psync|randwrite-mmap", [
            (Self.ninep, ["randwrite-psync": [9]])])
        later.cells[0].workloads.append(WorkloadResult(workload: "randwrite-mmap", verdict: .unsupported("EINVAL by design")))
        let combined = CombinedRuns([first, later])
        #expect(combined.cell(Self.ninep.id, for: "randwrite-psync")?.verdict == .pass)
        #expect(combined.cell(Self.ninep.id, for: "randread-psync")?.verdict == .fail("seqwrite-mmap: EINVAL"))
        #expect(combined.doc.cell(Self.ninep.id)?.workload("randwrite-mmap")?.verdict == .unsupported("EINVAL by design"))
        let text = Reports.reproductions([Self.report], combining: ["m": [first, later]], command: "x")
        #expect(text.contains("| randwrite-psync | 9p | 40 | 9.0 | - |"))
    }

    @Test func overlapsPoolAndCellsFromTwoRunsAreComparedUnpaired() {
        // Run a measured straitd and 9p; run b (another filter) straitd again and the C virtiofsd.
        let a = Self.run("a", start: 0, filter: "backend=straitd|9p", [
            (Self.straitd, ["randread-psync": [20, 21, 22]]), (Self.ninep, ["randread-psync": [10, 11, 12]])])
        let b = Self.run("b", start: 1000, filter: "backend=straitd|virtiofsd-c", [
            (Self.straitd, ["randread-psync": [24, 25, 26]]), (Self.cVirtiofsd, ["randread-psync": [30, 31, 32]])])
        let shown = CombinedRuns([b, a])
        #expect(shown.runs.map(\.runID) == ["a", "b"])
        // The overlap pools: six repetitions, b's numbered on from a's.
        #expect(shown.doc.cell(Self.straitd.id)?.workload("randread-psync")?.repetitions.map(\.index) == [0, 1, 2, 3, 4, 5])
        #expect(shown.origin(Self.straitd.id, "randread-psync") == ["a", "b"])
        #expect(shown.origin(Self.cVirtiofsd.id, "randread-psync") == ["b"])
        let text = Reports.reproductions([Self.report], combining: ["m": [a, b]], command: "x")
        #expect(text.contains("(union of their cells and workloads, 3-6 repetitions per cell and workload)"))
        #expect(text.contains("| randread-psync | inline | 100 | 31.0 | 23.0 |"))
        // C (run b) against 9p (run a): across runs, the ratio of the medians, not paired; the
        // same for straitd (runs a and b) against 9p (a only).
        let line = text.split(separator: "\n").first { $0.hasPrefix("| virtio-fs beats 9p") }.map(String.init) ?? ""
        #expect(line.contains("| 1/1 workloads, ratio 2.82, across runs (unpaired); randread-psync 2.82 ["))
        #expect(line.contains("| 1/1 workloads, ratio 2.09, across runs (unpaired); randread-psync 2.09 ["))
        #expect(!line.contains("paired |") && !line.contains("] paired"))
        // The same two cells in one run stay paired.
        let one = Self.run("o", start: 0, filter: nil, [
            (Self.cVirtiofsd, ["randread-psync": [30, 31, 32]]), (Self.ninep, ["randread-psync": [10, 11, 12]])])
        let oneText = Reports.reproductions([Self.report], runs: ["m": one], command: "x")
        #expect(oneText.contains("randread-psync 2.82 [2.67, 3.00] paired"))
        #expect(!oneText.contains("across runs ("))
    }

    @Test func incompatibleRunsAreKeptApart() {
        let base = Self.run("base", start: 5000, filter: "backend=straitd", [(Self.straitd, ["randread-psync": [20]])])
        let otherImage = Self.run("image", start: 4000, filter: "backend=9p", image: "img2", [(Self.ninep, ["randread-psync": [10]])])
        let otherQEMU = Self.run("qemu", start: 3000, filter: "backend=9p", qemu: "11.1", [(Self.ninep, ["randread-psync": [10]])])
        let otherBuild = Self.run("build", start: 2000, filter: "workload=randwrite-psync", sha: "def", [(Self.straitd, ["randwrite-psync": [20]])])
        var otherVCPUs = Self.run("vcpus", start: 1000, filter: "backend=9p", [(Self.ninep, ["randread-psync": [10]])])
        otherVCPUs.environment.vcpus = 4
        let stored = [base, otherImage, otherQEMU, otherBuild, otherVCPUs]
        #expect(Reports.combinable(with: base, among: stored).map(\.runID) == ["base"])
        #expect(Reports.incompatibility(base, otherImage) == "other image: img vs img2")
        #expect(Reports.incompatibility(base, otherQEMU) == "other QEMU: 7.2 vs 11.1")
        #expect(Reports.incompatibility(base, otherBuild)?.hasPrefix("straitd cells on both sides, other straitd:") == true)
        #expect(Reports.incompatibility(base, otherVCPUs) == "other vCPUs: 2 vs 4")
        var flushed = base
        flushed.environment.stepIsolation = "host-flush"
        #expect(Reports.incompatibility(base, flushed) == "other step isolation: none vs host-flush")
        // The anchor is the newest complete run; the older incompatible ones are not shown.
        #expect(Reports.reproductionRuns(matrix: "m", among: stored).map(\.runID) == ["base"])
        // A full-profile run hides the quick ones.
        var full = Self.run("full", start: 0, filter: nil, [(Self.ninep, ["randread-psync": [10]])])
        full.matrix = "m"
        #expect(Reports.reproductionRuns(matrix: "m", among: stored + [full]).map(\.runID) == ["full"])
    }

    /// The set that measured most is shown: a newer run of another straitd covering one cell
    /// does not hide an older union of two runs covering four; once its own pieces cover as
    /// much, the newer set wins.
    @Test func theLargestSetIsShownNotTheNewestRun() {
        let reads = Self.run("r", start: 0, filter: "workload=randread-psync", [
            (Self.straitd, ["randread-psync": [20]]), (Self.ninep, ["randread-psync": [10]])])
        let writes = Self.run("w", start: 1000, filter: "workload=randwrite-psync", [
            (Self.straitd, ["randwrite-psync": [30]]), (Self.ninep, ["randwrite-psync": [5]])])
        let newer = Self.run("n", start: 5000, filter: "backend=straitd,workload=randread-psync", sha: "def", [
            (Self.straitd, ["randread-psync": [25]])])
        #expect(Reports.reproductionRuns(matrix: "m", among: [reads, writes, newer]).map(\.runID) == ["r", "w"])
        let newer2 = Self.run("n2", start: 6000, filter: "backend=9p|straitd", sha: "def", [
            (Self.straitd, ["randwrite-psync": [31]]), (Self.ninep, ["randread-psync": [11], "randwrite-psync": [6]])])
        #expect(Reports.reproductionRuns(matrix: "m", among: [reads, writes, newer, newer2]).map(\.runID) == ["n", "n2"])
    }

    @Test func aRunWithoutStraitdCellsCombinesWithAnyStraitdBuild() {
        let ours = Self.run("ours", start: 500, filter: "backend=straitd", sha: "abc", [(Self.straitd, ["randread-psync": [20, 21, 22]])])
        let peers = Self.run("peers", start: 1000, filter: "backend=9p|virtiofsd-c", sha: "zzz", [
            (Self.ninep, ["randread-psync": [10, 11, 12]]), (Self.cVirtiofsd, ["randread-psync": [30, 31, 32]])])
        let other = Self.run("other", start: 0, filter: "backend=straitd", sha: "def", [(Self.straitd, ["randread-psync": [1]])])
        #expect(Reports.incompatibility(ours, peers) == nil)
        // Newest first: peers, then ours (straitd abc); other (straitd def) clashes with ours.
        #expect(Reports.reproductionRuns(matrix: "m", among: [ours, peers, other]).map(\.runID) == ["ours", "peers"])
        let text = Reports.reproductions([Self.report], combining: ["m": [ours, peers]], command: "x")
        // The page names the straitd whose numbers it shows, not the peers run's.
        #expect(text.contains("straitd abc (release build)"))
        #expect(!text.contains("zzz (release"))
        #expect(text.contains("| randread-psync | inline | 100 | 31.0 | 21.0 |"))
    }

    @Test func disturbedRepetitionsAreLeftOutThroughTheOneFilter() {
        var a = Self.run("a", start: 0, filter: nil, [
            (Self.straitd, ["randread-psync": [20, 21, 2]]), (Self.ninep, ["randread-psync": [10, 11, 12]])])
        a.cells[0].workloads[0].repetitions[2].hostOtherCores = 1.4
        a.cells[1].workloads[0].repetitions[0].hostOtherCores = Repetition.disturbanceThreshold
        a.cells[1].workloads[0].repetitions[1].hostOtherCores = 0.1
        // The filter itself, shared with docs/benchmarks.md's tables.
        #expect(a.cells[0].workloads[0].undisturbed.map(\.index) == [0, 1])
        #expect(Reports.iopsSamples(a.cells[1].workloads[0]).count == 2)
        let (clean, leftOut, perWorkload) = a.withoutDisturbed()
        #expect(leftOut == 2)
        #expect(perWorkload == [.init(cellID: a.cells[0].cellID, workload: "randread-psync", count: 1),
                                .init(cellID: a.cells[1].cellID, workload: "randread-psync", count: 1)])
        #expect(clean.cells[1].workloads[0].repetitions.map(\.index) == [1, 2])
        let text = Reports.reproductions([Self.report], runs: ["m": a], command: "x")
        #expect(text.contains("- Left out as disturbed: 2 of 6 repetitions (other work took at least 0.25 host cores while they were measured)\n"))
        // straitd's median of 20 and 21, not of 20, 21 and 2; 9p's of 11 and 12.
        #expect(text.contains("| randread-psync | 9p | 50 | 11.5 | - |"))
        #expect(text.contains("| randread-psync | inline | 100 | not in run | 20.5 |"))
        // Two clean repetitions a side: no interval, and said so.
        #expect(text.contains("(not decided: 2 repetitions, no interval)"))
        // Across combined runs the count is per section and the run says what it lost.
        let b = Self.run("b", start: 1000, filter: "workload=randwrite-psync", [(Self.straitd, ["randwrite-psync": [30]])])
        let both = Reports.reproductions([Self.report], combining: ["m": [a, b]], command: "x")
        #expect(both.contains("- Left out as disturbed: 2 of 7 repetitions"))
        #expect(both.contains("  - `a`, 1970-01-01 00:00-00:10 UTC, the whole matrix: 2 cells, 1 workload, 2 repetitions (4 measurements and 2 disturbed, left out)\n"))
        // A workload all of whose repetitions were disturbed says so instead of showing nothing.
        var c = b
        c.cells[0].workloads[0].repetitions[0].hostOtherCores = 0.9
        let gone = Reports.reproductions([Self.report], combining: ["m": [a, c]], command: "x")
        #expect(gone.contains("| randwrite-psync | inline | 80 | not in run | all 1 repetition disturbed, left out |"))
        #expect(gone.contains("- Left out as disturbed: 3 of 7 repetitions"))
    }

    /// An interrupted run's recorded cells are shown, and the run is marked incomplete.
    @Test func anIncompleteRunContributesWhatItRecorded() {
        let a = Self.run("a", start: 0, filter: "workload=randread-psync", [(Self.straitd, ["randread-psync": [20]])])
        var b = Self.run("b", start: 1000, filter: "workload=randwrite-psync", [(Self.straitd, ["randwrite-psync": [30]])])
        b.complete = false
        b.finishedAt = nil
        var started = b
        started.runID = "c"
        started.cells = []
        #expect(Reports.reproductionRuns(matrix: "m", among: [a, b, started]).map(\.runID) == ["a", "b"])
        let text = Reports.reproductions([Self.report], combining: ["m": [a, b]], command: "x")
        #expect(text.contains("  - `b`, 1970-01-01 00:16-? UTC, `--filter workload=randwrite-psync`: 1 cell, 1 workload, 1 repetition (1 measurement) (**incomplete**: interrupted or still running; the 1 cell it recorded is included)\n"))
        #expect(text.contains("| randwrite-psync | inline | 80 | not in run | 30.0 |"))
    }
}
