import DaemonLaunch
import Foundation
import Harness
import Libvirt
import Matrix
import Reports
import Results
import Runner
import Testing

extension E2E {
/// DAX on real VMs: QEMU 11.1 (scripts/install-qemu-dax.sh) through libvirt with the generic
/// vhost-user device and straitd's window. The guest correctness script and the host's tar
/// verification on a `dax=always` mount, then matrices/dax-smoke.yaml through the runner (its
/// config check proves the window: /proc/mounts, /proc/iomem, straitd's map count).
@Suite
struct DaxE2ETests {
    static let missing = E2EEnvironment.missingQEMU11

    @Test("E2E: straitd with a DAX window (QEMU 11.1, dax=always): guest correctness script and tar verification pass, maps made",
          .enabled(if: missing == nil, Comment(rawValue: missing ?? "")), .timeLimit(.minutes(30)))
    func daxCorrectnessE2E() throws {
        let qemu = try #require(DaxQEMU.locate())
        let (image, accel) = try E2EEnvironment.prepare()
        let run = try Run()
        defer { run.release() }
        let daemon = DaemonKind.straitd.command(binary: E2EEnvironment.straitd ?? "straitd")
        var runner = CorrectnessRun(image: image, accelerator: accel, daemon: daemon, script: E2EEnvironment.script)
        runner.modes = ["auto"]
        runner.tarFiles = 500
        runner.dax = CorrectnessRun.Dax(emulator: qemu.path)
        runner.log = { E2EEnvironment.log($0) }
        let report = try runner.execute(in: run)
        let mode = try #require(report.modes.first)
        #expect(mode.mount.contains("dax=always"), "mount: \(mode.mount)")
        #expect(mode.check.completed && mode.check.failures.isEmpty, "\(mode.check.failures)")
        #expect(mode.check.passes.count >= 20, "only \(mode.check.passes.count) checks passed")
        #expect(mode.check.unsupported.isEmpty, "with DAX nothing is unsupported: \(mode.check.unsupported)")
        if case let .failure(error) = mode.hostVerification { Issue.record("host verification: \(error)") }
        let log = (try? String(contentsOfFile: run.path("\(daemon.name)-auto.log"), encoding: .utf8)) ?? ""
        let maps = Cell.daxMapCount(daemonLog: log)
        E2EEnvironment.log("e2e: DAX: straitd made \(maps) maps (\(qemu.version))")
        #expect(maps > 0, "straitd made no SHMEM_MAP: the window was not used")
        #expect(!log.contains("failures=") || log.contains("failures=0"), "map failures in \(log.suffix(400))")
        if let bundle = report.bundle { Issue.record("failure bundle kept at \(bundle)") }
    }

    @Test("E2E: matrices/dax-smoke.yaml (straitd, dax=always, QEMU 11.1 via libvirt) passes with the window proven",
          .enabled(if: missing == nil, Comment(rawValue: missing ?? "")), .timeLimit(.minutes(30)))
    func daxMatrixE2E() throws {
        try E2EEnvironment.runMatrix("dax-smoke") { run in
            let doc = run.document
            #expect(doc.cells.map(\.cellID) == ["straitd-auto-dax-inline"])
            #expect(doc.environment.qemuVersion?.contains("11.1") == true, "the run's QEMU: \(doc.environment.qemuVersion ?? "none")")
            for cell in doc.cells {
                #expect(cell.verdict == .pass, "\(cell.cellID): \(cell.verdict); bundle \(cell.failureBundle ?? "none")")
                #expect(cell.vmm?.contains("11.1") == true, "\(cell.cellID) ran on \(cell.vmm ?? "?")")
                #expect(cell.verification?.passed == true && cell.verification?.filesChecked == 300,
                        "\(cell.cellID): tar verification \(String(describing: cell.verification))")
                for workload in cell.workloads {
                    #expect(workload.verdict == nil && workload.repetitions.count == 1, "\(cell.cellID) \(workload.workload): \(String(describing: workload.verdict))")
                }
            }
        }
    }
}
}
