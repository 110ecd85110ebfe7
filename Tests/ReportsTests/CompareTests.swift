import Foundation
import Matrix
import Results
import Stats
import Testing
@testable import Reports

@Suite struct CompareTests {
    @Test func identicalRunsAreNoChangeWhereTheCellCanSeeIt() throws {
        let report = Reports.compare(base: Runs.run("a"), candidate: Runs.run("b"))
        // straitd-auto's randrw and tar ran 3 vs 3: over the gate's family no change there could be
        // significant, so the cell is blind, not a pass.
        let auto = try #require(report.verdict(cell: Runs.auto.id))
        #expect(auto.label == "blind")
        #expect(auto.reason?.contains("3 vs 3: min p 0.1 >= ") == true)
        #expect(!report.blocksMerge)
        #expect(report.decision.outcome == .inconclusive)
        #expect(report.summary.hasPrefix("gate: inconclusive"))
        #expect(report.caveats.contains { $0.hasPrefix("straitd-auto-inline: blind (could detect no change") })
        #expect(Reports.compare(base: Runs.run("a"), candidate: Runs.run("b"), policy: GatePolicy(blindBlocks: true)).blocksMerge)
        // Every comparison carries its Holm p and what it could have detected within the family.
        let family = report.deltas.count
        #expect(report.deltas.allSatisfy { $0.comparison.adjustedP != nil && $0.comparison.detectability?.family == family })
        let bw = report.deltas.first { $0.cellID == Runs.auto.id && $0.workload == "randread-psync" && $0.comparison.metric == "read.bw" }
        #expect(bw?.comparison.ratio?.estimate == 1)
        // p50 and p99.9 are shown elsewhere but not judged.
        #expect(!report.deltas.contains { $0.comparison.metric.hasSuffix("clat_p50") })
    }

    @Test func aSignificantDropIsARegressionThatBlocks() throws {
        let report = Reports.compare(base: Runs.run("a"), candidate: Runs.run("b", scale: 0.7))
        #expect(report.verdict(cell: Runs.auto.id) == .regression)
        #expect(report.verdict(cell: Runs.none.id)?.label == "blind")  // 3 vs 3
        #expect(report.blocksMerge)
        let bw = try #require(report.deltas(cell: Runs.auto.id, workload: "randread-psync").first { $0.comparison.metric == "read.bw" })
        #expect(abs((bw.comparison.ratio?.estimate ?? 0) - 0.7) < 1e-9)
        #expect(bw.comparison.ratio.map { $0.high < 0.9 } == true)
        #expect(bw.comparison.test.pValue < 0.05)
        #expect(bw.comparison.adjustedP.map { $0 < 0.05 } == true)
        // Latency got worse too (p99 is derived from IOPS in the fixture).
        let p99 = try #require(report.deltas(cell: Runs.auto.id, workload: "randread-psync").first { $0.comparison.metric == "read.clat_p99" })
        #expect(p99.comparison.verdict == .regression)
    }

    @Test func improvementAndCorrectnessFailures() {
        let up = Reports.compare(base: Runs.run("a"), candidate: Runs.run("b", scale: 1.5))
        #expect(up.deltas(cell: Runs.auto.id, workload: "randread-psync").first { $0.comparison.metric == "read.bw" }?.comparison.verdict == .improvement)
        #expect(up.verdict(cell: Runs.auto.id)?.label == "blind")  // its 3 vs 3 workloads
        #expect(!up.blocksMerge)
        let broken = Reports.compare(base: Runs.run("a"), candidate: Runs.run("b", failNone: true))
        #expect(broken.verdict(cell: Runs.none.id) == .fail("tar: 3 files differ"))
        #expect(broken.blocksMerge)
        // The baseline's correctness failure blocks too (the policy decides it, not the subcommand).
        let brokenBase = Reports.compare(base: Runs.run("a", failNone: true), candidate: Runs.run("b"))
        #expect(brokenBase.verdict(cell: Runs.none.id) == .fail("baseline: tar: 3 files differ"))
        #expect(brokenBase.reasons.contains("straitd-none-inline: correctness failure: baseline: tar: 3 files differ"))
        #expect(brokenBase.blocksMerge)
    }

    /// A VM that never answered SSH failed both sides' cells for the machine: the gate reads the
    /// run documents' `infrastructure` flag and makes those cells incomparable (listed, exit 0,
    /// never a pass); without the flag the same failure blocks.
    @Test func aVMThatNeverBecameReadyIsIncomparableNotABlock() throws {
        func unbooted(_ id: String, flagged: Bool) -> RunDocument {
            var doc = Runs.run(id)
            let why = "VM infrastructure, not this daemon: VM did not boot: vm0 not ready (every daemon of the VM still running)"
            for i in doc.cells.indices {
                doc.cells[i].verdict = .fail(why)
                doc.cells[i].workloads = []
                doc.cells[i].infrastructure = flagged ? true : nil
            }
            return doc
        }
        let report = Reports.compare(base: unbooted("a", flagged: true), candidate: unbooted("b", flagged: true))
        #expect(!report.blocksMerge && report.reasons.isEmpty)
        #expect(report.decision.outcome == .inconclusive)
        #expect(report.decision.cells.allSatisfy { $0.verdict.label == "incomparable" && !$0.passes })
        #expect(report.caveats.contains { $0.hasPrefix("straitd-none-inline: incomparable (candidate: VM infrastructure") })
        // Round trip: the flag survives the run document's JSON.
        let decoded = try RunDocument.decode(unbooted("c", flagged: true).encoded())
        #expect(decoded.cells.allSatisfy { $0.infrastructure == true })
        #expect(Reports.compare(base: unbooted("a", flagged: false), candidate: unbooted("b", flagged: false)).blocksMerge)
    }

    @Test func gateReasonsNameEveryBlockingMetric() {
        let report = Reports.compare(base: Runs.run("a"), candidate: Runs.run("b", scale: 0.7, failNone: true))
        let reasons = report.reasons
        #expect(reasons.contains("straitd-none-inline: correctness failure: tar: 3 files differ"))
        let bw = reasons.first { $0.hasPrefix("straitd-auto-inline randread-psync read.bw: regression, 0.700x [") }
        #expect(bw?.hasSuffix("tolerance 10%, higher is better") == true)
        #expect(bw?.contains(", adjusted p=") == true)
        #expect(reasons.contains { $0.hasPrefix("straitd-auto-inline randread-psync read.clat_p99: regression") && $0.hasSuffix("lower is better") })
        #expect(Reports.compare(base: Runs.run("a"), candidate: Runs.run("b")).reasons.isEmpty)
    }

    @Test func tolerancesCanHideSmallChanges() {
        let report = Reports.compare(
            base: Runs.run("a"), candidate: Runs.run("b", scale: 0.7), tolerances: Tolerances(defaultFraction: 0.5))
        #expect(!report.blocksMerge)
        #expect(!report.deltas.contains { $0.comparison.verdict == .regression })
    }
}

@Suite struct TrendTests {
    @Test func trendsComeFromTheHistory() throws {
        let history = try History()
        for (i, scale) in [1.0, 1.1, 0.9].enumerated() {
            var run = Runs.run("r\(i)", scale: scale)
            run.startedAt = Date(timeIntervalSince1970: Double(1_700_000_000 + i * 3600))
            try history.record(run)
        }
        let latest = Runs.run("r2", scale: 0.9)
        let series = try Reports.trends(for: latest, history: history)
        let bw = try #require(series.first { $0.title == "straitd-auto-inline randread-psync read.bw" })
        #expect(bw.points.map(\.label) == ["sha-r0", "sha-r1", "sha-r2"])
        #expect(bw.points.map(\.value) == [86_750, 86_750 * 1.1, 86_750 * 0.9])
        #expect(series.contains { $0.title == "straitd-none-inline tar tar.seconds" })
        #expect(!series.contains { $0.title.contains("seqwrite-mmap") })  // unsupported: no samples
        let html = Reports.html([LabeledRun(label: "r2", run: latest)], trends: series)
        #expect(html.components(separatedBy: "<polyline").count - 1 == series.count)
    }
}
