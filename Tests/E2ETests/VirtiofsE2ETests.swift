import DaemonLaunch
import Foundation
import GuestImage
import Harness
import Libvirt
import Testing

/// Every VM test lives under this suite so that all of them run one after another: two TCG
/// VMs at once on two cores only slow both down (measured: boot-to-SSH 87-95 s instead of 17-27 s).
@Suite(.serialized)
enum E2E {}

extension E2E {
    /// Real VMs: Debian bookworm (6.1) booted through libvirt, shares served by a virtio-fs daemon,
    /// the guest correctness script on cache=none/auto/always, host-side verification, and nothing
    /// left behind.
    @Suite
    struct VirtiofsE2ETests {
        /// The whole flow for one daemon; the daemon is a parameter (name + argv with {socket},
        /// {dir}, {cache}), so straitd runs the very same test as the reference daemon.
        func correctness(daemon: DaemonCommandLine) throws {
            let started = Date()
            E2EEnvironment.log(Sweeper().sweep().description)
            let (image, accel) = try E2EEnvironment.prepare()
            let run = try Run()
            var runner = CorrectnessRun(image: image, accelerator: accel, daemon: daemon, script: E2EEnvironment.script)
            runner.log = { E2EEnvironment.log($0) }
            let report: CorrectnessRun.Report
            do {
                report = try runner.execute(in: run)
            } catch {
                run.release()
                E2EEnvironment.log(Sweeper().sweep(runID: run.id).description)
                throw error
            }
            for mode in report.modes {
                #expect(mode.check.completed, "\(daemon.name) cache=\(mode.mode): script did not finish")
                #expect(mode.check.failures.isEmpty, "\(daemon.name) cache=\(mode.mode): \(mode.check.failures)")
                #expect(mode.check.passes.count >= 20, "\(daemon.name) cache=\(mode.mode): only \(mode.check.passes.count) checks passed")
                if case let .failure(error) = mode.hostVerification { Issue.record("host verification, cache=\(mode.mode): \(error)") }
                // Only the one known limitation may be unsupported: mmap on cache=none (6.1, no DAX).
                for u in mode.check.unsupported {
                    #expect(u.name == "fio_mmap" && mode.mode == "none", "unexpected UNSUPPORTED \(u.name) on cache=\(mode.mode): \(u.detail)")
                }
            }
            #expect(report.modes.map(\.mode) == ["none", "auto", "always"])
            if let bundle = report.bundle { Issue.record("failure bundle kept at \(bundle)") }

            // Nothing left: no domain of this run, no process mentioning its directory.
            let connection = try Connection()
            #expect(connection.domain(named: report.domain) == nil, "domain \(report.domain) still exists")
            #expect(try connection.domains(prefix: run.name("")).isEmpty)
            #expect(Sweeper.processes(containing: run.directory).isEmpty, "processes of \(run.directory) still running")
            run.release()
            let sweep = Sweeper().sweep(runID: run.id)
            E2EEnvironment.log(sweep.description)
            #expect(sweep.domains.isEmpty && sweep.processes.isEmpty, "sweep had to clean up after the run: \(sweep)")
            #expect(!FileManager.default.fileExists(atPath: run.directory))
            E2EEnvironment.log("e2e: \(daemon.name): boot-to-SSH \(String(format: "%.1f", report.bootToSSH)) s, daemons \(report.daemonEndings), total \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
        }

        @Test("E2E: C virtiofsd (QEMU 7.2) serves cache=none/auto/always; guest correctness script passes",
              .enabled(if: E2EEnvironment.missingCVirtiofsd == nil, Comment(rawValue: E2EEnvironment.missingCVirtiofsd ?? "")),
              .timeLimit(.minutes(40)))
        func cVirtiofsdCorrectnessE2E() throws {
            try correctness(daemon: DaemonKind.virtiofsdC.command(binary: DaemonKind.cVirtiofsdPath))
        }

        @Test("E2E: straitd serves cache=none/auto/always; guest correctness script passes",
              .enabled(if: E2EEnvironment.missingStraitd == nil, Comment(rawValue: E2EEnvironment.missingStraitd ?? "")),
              .timeLimit(.minutes(40)))
        func straitdCorrectnessE2E() throws {
            try correctness(daemon: DaemonKind.straitd.command(binary: E2EEnvironment.straitd ?? "straitd"))
        }
    }
}
