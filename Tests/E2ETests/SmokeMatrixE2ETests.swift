import Foundation
import Harness
import Libvirt
import Matrix
import Reports
import Results
import Runner
import Testing

extension E2E {
/// `matrices/smoke.yaml` through the matrix runner on real VMs with straitd: cache none, auto and
/// always, short fio jobs and the tar workload verified on the host. Any failed cell fails the test.
@Suite
struct SmokeMatrixE2ETests {
    @Test("E2E: matrices/smoke.yaml with straitd (cache none/auto/always, fio psync + libaio qd16, tar) passes on real VMs",
          .enabled(if: E2EEnvironment.missingStraitd == nil, Comment(rawValue: E2EEnvironment.missingStraitd ?? "")),
          .timeLimit(.minutes(30)))
    func smokeMatrixE2E() throws {
        let started = Date()
        try E2EEnvironment.runMatrix("smoke", skipLoad: true) { run in // the host-speed layer has its own tests (LoadLayerTests)
            let (matrix, outcome, doc, results) = (run.matrix, run.outcome, run.document, run.results)

            #expect(doc.complete)
            #expect(doc.cells.map(\.cellID).sorted() == ["straitd-always-inline", "straitd-auto-inline", "straitd-none-inline"])
            for cell in doc.cells {
                #expect(cell.verdict == .pass, "\(cell.cellID): \(cell.verdict); bundle \(cell.failureBundle ?? "none")")
                #expect(cell.verification?.passed == true && cell.verification?.filesChecked == 500,
                        "\(cell.cellID): tar verification \(String(describing: cell.verification))")
                for workload in cell.workloads {
                    // psync works in every cache mode: each workload must have measured, not merely skipped.
                    #expect(workload.verdict == nil, "\(cell.cellID) \(workload.workload): \(String(describing: workload.verdict))")
                    #expect(workload.repetitions.count == matrix.repetitions, "\(cell.cellID) \(workload.workload): \(workload.repetitions.count) repetitions")
                }
                let fio = cell.workloads.filter { $0.workload != "tar" }.flatMap(\.repetitions)
                #expect(fio.allSatisfy { ($0.fio?.read.bandwidthKiBps ?? 0) + ($0.fio?.write.bandwidthKiBps ?? 0) > 0 })
                #expect(fio.allSatisfy { $0.rawOutput.map { FileManager.default.fileExists(atPath: results + "/" + $0) } == true })
            }
            // Issue 11: libaio at iodepth 16 must reach the daemon asynchronously. Had INIT left out
            // FUSE_ASYNC_DIO, the guest would run each O_DIRECT aio inside io_submit and fio's
            // submission latency would never be shorter than a round trip to the daemon: its minimum
            // was 77-91 us under TCG with the old daemon, against 9-12 us for every asynchronous run
            // (fixed straitd and both virtiofsd, 50 runs, however loaded the machine). The mean is no
            // guard: a guest starved of CPU spends most of either kind of request submitting.
            for cell in doc.cells {
                for workload in cell.workloads where workload.workload == "randread-libaio" {
                    #expect(!workload.repetitions.isEmpty, "\(cell.cellID): randread-libaio did not run")
                    for r in workload.repetitions {
                        let slat = r.rawOutput.flatMap { Self.fioReadMinimumSubmitNanoseconds(results + "/" + $0) }
                        let minimum = try #require(slat, "\(cell.cellID) randread-libaio: no slat in fio's output")
                        E2EEnvironment.log(String(format: "e2e: %@ randread-libaio qd16: minimum submission latency %.1f us", cell.cellID, minimum / 1000))
                        #expect(minimum < 40_000, "\(cell.cellID): libaio submits synchronously (minimum slat \(minimum) ns): is FUSE_ASYNC_DIO agreed?")
                    }
                }
            }

            let env = doc.environment
            #expect(env.qemuVersion != nil && env.libvirtVersion != nil && env.imageHash != nil && env.guestKernel != nil)
            #expect(!env.acceleratorReason.isEmpty)
            #expect(outcome.vmBoots == 1, "smoke needs one boot, took \(outcome.vmBoots)")

            // The history has the run; nothing of it is left behind.
            let history = try ResultStore(root: results).history()
            #expect(try history.run(doc.runID)?.complete == true)
            let connection = try Connection()
            #expect(try connection.domains(prefix: Run.prefix + outcome.runID).isEmpty)
            #expect(Sweeper.processes(containing: Run.root + "/" + Run.prefix + outcome.runID).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: Run.root + "/" + Run.prefix + outcome.runID))
            E2EEnvironment.log(String(format: "e2e: smoke matrix took %.0f s (runner %.0f s)", Date().timeIntervalSince(started), outcome.seconds))
        }
    }

    /// The shortest submission latency (ns) of the read side of fio's JSON output, which may
    /// follow a few lines of notes.
    static func fioReadMinimumSubmitNanoseconds(_ path: String) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let brace = text.firstIndex(of: "{"),
              let object = try? JSONSerialization.jsonObject(with: Data(text[brace...].utf8)) as? [String: Any],
              let job = (object["jobs"] as? [[String: Any]])?.first, let read = job["read"] as? [String: Any],
              let slat = read["slat_ns"] as? [String: Any], let minimum = slat["min"] as? NSNumber
        else { return nil }
        return minimum.doubleValue
    }
}
}
