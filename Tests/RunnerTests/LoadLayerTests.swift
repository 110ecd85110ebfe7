import Foundation
import Matrix
import Results
@testable import Runner
import Testing

/// The host-speed layer: strait-load's per-round JSON into repetitions, and a real run of the
/// strait-load and straitd of this build (a few seconds: one workload, 0.2 s rounds).
@Suite struct LoadLayerTests {
    static let products = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
    static let straitd = products + "/straitd"
    static let straitLoad = products + "/strait-load"

    @Test func roundsBecomeRepetitions() throws {
        let output = "[getattr qd1] round 1/5: a ...\n"
            + #"{"results": [{"daemon": "baseline", "workload": "read4k", "qd": 1, "ops_per_s": 2, "round_ops_per_s": [100.0, 110.5], "round_mib_per_s": [0.4, 0.43], "round_p99_us": [50.0, 60.0], "round_instructions_per_op": []}]}"#
            + "\n"
        let parsed = try #require(LoadLayer.parse(output))
        let spec = LoadSpec(workloads: ["read4k", "getattr"])
        let cell = LoadLayer.result(spec.cell(.straitd, label: "load"), variant: "baseline", workloads: ["read4k", "getattr"],
                                    depths: [1], output: parsed)
        #expect(cell.cellID == "straitd-auto-load" && cell.verdict == .pass)
        let read = try #require(cell.workload("read4k-qd1"))
        #expect(read.samples("ops.iops") == [100, 110.5])
        #expect(read.samples("ops.clat_p99") == [50, 60])
        #expect(read.samples("ops.mib_per_s") == [0.4, 0.43])
        // A workload strait-load did not report is unsupported with the reason, never a silent pass.
        #expect(cell.workload("getattr-qd1")?.verdict == .unsupported("baseline does not support getattr"))
        #expect(LoadLayer.parse("no json here") == nil)
    }

    @Test func countedRoundsCarryInstructionsOnly() throws {
        let json = #"{"results": [{"daemon": "run", "workload": "getattr", "qd": 1, "round_ops_per_s": [1, 1], "round_mib_per_s": [0, 0], "round_p99_us": [9, 9], "round_instructions_per_op": [5000.5, 5001.0]}]}"#
        let parsed = try #require(LoadLayer.parse(json))
        let cell = LoadLayer.result(LoadSpec().cell(.straitd, label: "instructions"), variant: "run", workloads: ["getattr"], depths: [1], output: parsed)
        let w = try #require(cell.workload("getattr-qd1"))
        #expect(w.metricNames == ["ops.instructions"])
        #expect(w.samples("ops.instructions") == [5000.5, 5001.0])
    }

    @Test func quotesForStraitLoadsSplitter() {
        #expect(LoadLayer.quote("/a/straitd") == "/a/straitd")
        #expect(LoadLayer.quote("source={dir},cache=auto,xattr") == "source={dir},cache=auto,xattr")
        #expect(LoadLayer.quote("it's here") == #"'it'\''s here'"#)
    }

    /// strait-load's tree outliving SIGKILL fails every variant's cell with the supervisor's
    /// report (pid, state, what holds it), not only a line on stderr.
    @Test func anUnkillableStraitLoadFailsTheCellSayingSo() {
        let report = "strait-load pid 4711 did not exit within 5 s of SIGKILL: state D (disk sleep), its cgroup is frozen"
        #expect(LoadLayer.stuck(stillRunning: report, timedOut: true, timeout: 3600)
                == "strait-load timed out after 3600 s and did not end: " + report)
        #expect(LoadLayer.stuck(stillRunning: report, timedOut: false, timeout: 3600) == "strait-load did not end: " + report)
        #expect(LoadLayer.stuck(stillRunning: nil, timedOut: true, timeout: 3600) == nil)
    }

    static var binariesBuilt: Bool {
        FileManager.default.isExecutableFile(atPath: straitd) && FileManager.default.isExecutableFile(atPath: straitLoad)
    }

    /// Two variants (the same straitd twice) interleaved by one strait-load: both get every round.
    @Test(.enabled(if: binariesBuilt, "needs straitd and strait-load built beside the tests (swift build --build-tests)"))
    func measuresTwoVariantsWithoutAVM() throws {
        let dir = NSTemporaryDirectory() + "strait-loadlayer-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var spec = LoadSpec(workloads: ["getattr"], queueDepths: [1])
        spec.seconds = 0.4
        spec.warmup = 0.1
        let variants = ["baseline", "candidate"].map { Variant(name: $0, binaries: DaemonBinaries(straitd: Self.straitd)) }
        let layer = LoadLayer(spec: spec, variants: variants, rounds: 5, straitLoad: Self.straitLoad, directory: dir, log: { _ in })
        var recorded: [String: CellResult] = [:]
        layer.run { recorded[$0] = $1 }
        for v in ["baseline", "candidate"] {
            let cell = try #require(recorded[v])
            #expect(cell.verdict == .pass, "\(v): \(cell.verdict)")
            let w = try #require(cell.workload("getattr-qd1"))
            #expect(w.samples("ops.iops").count == 5)
            // Most rounds measured something (on a machine busy with other builds, a daemon can
            // stall through a whole short round; that round then honestly reports 0 ops/s).
            #expect(w.samples("ops.iops").filter { $0 > 0 }.count >= 3, "\(w.samples("ops.iops"))")
            #expect(w.samples("ops.clat_p99").filter { $0 > 0 }.count >= 3)
        }
    }

    /// A daemon that does not exist fails its variant's cell, named, and the run goes on.
    @Test(.enabled(if: binariesBuilt, "needs strait-load built beside the tests (swift build --build-tests)"))
    func aBrokenDaemonFailsItsCell() throws {
        let dir = NSTemporaryDirectory() + "strait-loadlayer-bad-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var spec = LoadSpec(workloads: ["getattr"], queueDepths: [1])
        spec.seconds = 0.1
        // /bin/false exits at once: strait-load reports the daemon failed to start.
        let variants = [Variant(name: "baseline", binaries: DaemonBinaries(straitd: Self.straitd)),
                        Variant(name: "candidate", binaries: DaemonBinaries(straitd: "/bin/false"))]
        let layer = LoadLayer(spec: spec, variants: variants, rounds: 5, straitLoad: Self.straitLoad, directory: dir, log: { _ in })
        var recorded: [String: CellResult] = [:]
        layer.run { recorded[$0] = $1 }
        guard case .fail(let why) = recorded["candidate"]?.verdict else {
            Issue.record("candidate: \(String(describing: recorded["candidate"]?.verdict))")
            return
        }
        #expect(why.contains("daemon 'candidate'"))
        #expect(recorded["baseline"]?.verdict.label == "skipped")
    }
}

/// The counted layer for real: straitd under valgrind, twice per round, instructions per
/// operation with startup subtracted; two rounds of the same binary agree closely.
@Suite struct InstructionLayerTests {
    @Test(.enabled(if: LoadLayerTests.binariesBuilt && InstructionProbe.valgrind != nil,
                   "needs straitd, strait-load and valgrind (scripts/host-setup.sh installs it)"))
    func countsInstructionsPerOperation() throws {
        let dir = NSTemporaryDirectory() + "strait-instr-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var spec = LoadSpec(workloads: ["getattr"], queueDepths: [1])
        spec.seconds = 0.1
        spec.instructions = InstructionSpec(workloads: ["getattr"], queueDepths: [1], requests: 300, rounds: 2)
        spec.workloads = ["getattr"]
        let layer = LoadLayer(spec: spec, variants: [Variant(name: "run", binaries: DaemonBinaries(straitd: LoadLayerTests.straitd))],
                              rounds: 5, straitLoad: LoadLayerTests.straitLoad, directory: dir, log: { _ in })
        var cells: [String: CellResult] = [:]
        layer.run { _, cell in cells[cell.cellID] = cell }
        let counted = try #require(cells["straitd-auto-instructions"])
        #expect(counted.verdict == .pass, "\(counted.verdict)")
        let samples = try #require(counted.workload("getattr-qd1")).samples("ops.instructions")
        #expect(samples.count == 2)
        // A GETATTR through the whole request path is thousands of instructions, not millions.
        #expect(samples.allSatisfy { $0 > 1_000 && $0 < 2_000_000 }, "\(samples)")
        let spread = (samples.max()! - samples.min()!) / samples.min()!
        #expect(spread < 0.02, "\(samples)")
    }
}

/// The fuzz cell for real: seeded hostile chains and messages against each variant's straitd.
@Suite struct FuzzLayerTests {
    @Test(.enabled(if: LoadLayerTests.binariesBuilt, "needs straitd and strait-load built beside the tests (swift build --build-tests)"))
    func straitdSurvivesABoundedFuzzRun() throws {
        let dir = NSTemporaryDirectory() + "strait-fuzzlayer-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var spec = LoadSpec(workloads: ["getattr"], queueDepths: [1])
        spec.seconds = 0.1
        spec.fuzz = 30
        let variants = ["baseline", "candidate"].map { Variant(name: $0, binaries: DaemonBinaries(straitd: LoadLayerTests.straitd)) }
        let layer = LoadLayer(spec: spec, variants: variants, rounds: 5, straitLoad: LoadLayerTests.straitLoad, directory: dir, log: { _ in })
        #expect(layer.cells.map(\.id) == ["straitd-auto-load", "straitd-auto-fuzz"])
        var fuzz: [String: CellResult] = [:]
        layer.run { variant, cell in if cell.cell.label == "fuzz" { fuzz[variant] = cell } }
        #expect(fuzz["baseline"]?.verdict == .pass, "\(String(describing: fuzz["baseline"]?.verdict))")
        #expect(fuzz["candidate"]?.verdict == .pass, "\(String(describing: fuzz["candidate"]?.verdict))")
    }
}

/// The fuzz and hostile cells' verdicts from strait-load's report: per variant, pass without
/// findings, fail naming them; no report, or no row for a variant, fails (never a silent pass).
@Suite struct FindingsVerdictTests {
    @Test func findingsBecomeVerdicts() {
        let variants = ["baseline", "candidate"].map { Variant(name: $0, binaries: DaemonBinaries(straitd: "/s")) }
        let layer = LoadLayer(spec: LoadSpec(), variants: variants, rounds: 1, straitLoad: "/l", directory: "/d", log: { _ in })
        let cell = LoadSpec().cell(.straitd, label: "hostile")
        var got: [String: CellResult] = [:]
        layer.recordFindings(cell, what: "hostile-guest", rows: [("baseline", [], "in 9 vectors"), ("candidate", ["a", "b", "c", "d"], "in 9 vectors")],
                             unfinished: "-", logPath: "/d/x.log") { got[$0] = $1 }
        #expect(got["baseline"]?.verdict == .pass && got["baseline"]?.failureBundle == nil)
        #expect(got["candidate"]?.verdict == .fail("4 hostile-guest finding(s) in 9 vectors: a; b; c"))
        #expect(got["candidate"]?.failureBundle == "/d/x.log")
        layer.recordFindings(cell, what: "fuzz", rows: [("baseline", [], "in 1 chain and 1 message cases")], unfinished: "-", logPath: "/d/x.log") { got[$0] = $1 }
        #expect(got["candidate"]?.verdict == .fail("no fuzz report for candidate"))
        layer.recordFindings(cell, what: "fuzz", rows: nil, unfinished: "strait-load exited(1)", logPath: "/d/x.log") { got[$0] = $1 }
        #expect(got["baseline"]?.verdict == .fail("fuzz run did not finish: strait-load exited(1)"))
        let json = "round 1\n{\"hostile\": [{\"daemon\": \"b\", \"vectors\": [\"v\"], \"not_run\": [], \"findings\": []}]}\n"
        #expect(LoadLayer.lastJSON(LoadLayer.HostileOutput.self, key: "hostile", in: json)?.hostile.first?.daemon == "b")
        #expect(LoadLayer.lastJSON(LoadLayer.FuzzOutput.self, key: "fuzz", in: json) == nil)
    }
}
