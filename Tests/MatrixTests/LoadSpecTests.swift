import Testing
@testable import Matrix

/// The `load:` section: host-speed cells that `strait run` and `strait gate` measure without a VM.
@Suite struct LoadSpecTests {
    @Test func parsesALoadOnlyMatrix() throws {
        let m = try Matrix.parse(yaml: """
            name: l
            load:
              backends: [straitd, virtiofsd-rust]
              cache: none
              workloads: [getattr, read4k, write1m]
              qd: [1, 16]
              seconds: 0.5
              warmup: 0
              rounds: 6
              gate-rounds: 9
              instructions:
                workloads: [getattr]
                requests: 1000
                rounds: 2
            tolerances:
              ops.iops: 12%
              instructions: 2%
            """, file: "l.yaml")
        let load = try #require(m.load)
        #expect(load.backends == [.straitd, .virtiofsdRust])
        #expect(load.cache == "none" && load.workloads == ["getattr", "read4k", "write1m"] && load.queueDepths == [1, 16])
        #expect(load.seconds == 0.5 && load.warmup == 0 && load.rounds == 6 && load.gateRounds == 9)
        #expect(load.instructions == InstructionSpec(workloads: ["getattr"], queueDepths: [1], requests: 1000, rounds: 2))
        #expect(m.expand().cells.isEmpty)
        #expect(m.tolerances.fraction(for: "ops.iops") == 0.12)
        #expect(m.tolerances.fraction(for: "ops.instructions") == 0.02)
        #expect(load.cell(.straitd, label: "load").id == "straitd-none-load")
        #expect(load.cell(.straitd, label: "instructions").options == ["--sandbox=none", "--seccomp=none"])
        #expect(LoadSpec.countedOptions(.virtiofsdC) == nil)
    }

    @Test func smokeHasTheHostSpeedLayers() throws {
        let m = try Matrix.load(path: Repo.matrix("smoke.yaml"))
        let load = try #require(m.load)
        #expect(Set(load.workloads).isSuperset(of: ["getattr", "read4k", "write4k", "read1m", "write1m"]))
        #expect(load.queueDepths == [1, 16])
        #expect(load.instructions != nil)
        #expect(!m.expand().cells.isEmpty)
    }

    /// The gate's default matrix has all four layers: wall-clock and counted host-speed cells,
    /// the hostile-guest and fuzz cells, and VM cells.
    @Test func theGateMatrixHasFourLayers() throws {
        let m = try Matrix.load(path: Repo.matrix("gate.yaml"))
        let load = try #require(m.load)
        #expect(load.instructions != nil && load.fuzz != nil && load.hostile)
        #expect(load.cell(.straitd, label: "hostile").id == "straitd-auto-hostile")
        #expect(load.cell(.straitd, label: "hostile").options == ["--dax-window=16M", "--tag=hostile"])
        #expect(m.expand().cells.map(\.id) == ["straitd-auto-inline"])
        #expect(try Matrix.parse(yaml: "load:\n  workloads: [getattr]", file: "x.yaml").load?.hostile == false)
    }

    @Test(arguments: [
        ("load:\n  workloads: [dax-read4k]", "load.workloads[0]"),
        ("load:\n  workloads: [getattr]\n  backends: [9p]", "load.backends[0]"),
        ("load:\n  workloads: [getattr]\n  qd: [0]", "load.qd[0]"),
        ("load:\n  workloads: [getattr]\n  rounds: 3", "load.rounds"),
        ("load:\n  qd: [1]", "load.workloads"),
        ("load:\n  workloads: [getattr]\n  instructions:\n    workloads: [getattr]\n    qd: [16]\n    requests: 60", "load.instructions.requests"),
        ("load:\n  workloads: [getattr]\n  bogus: 1", "load.bogus"),
    ])
    func refusesWhatStraitLoadWouldRefuse(yaml: String, field: String) {
        do {
            _ = try Matrix.parse(yaml: yaml, file: "bad.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test func aMatrixWithoutLoadStillNeedsAxes() {
        do {
            _ = try Matrix.parse(yaml: "name: x\nworkloads:\n  tar: true\n", file: "bad.yaml")
            Issue.record("accepted a matrix without axes")
        } catch {
            #expect(error.field == "axes")
        }
    }
}
