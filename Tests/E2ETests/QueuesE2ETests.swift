import Foundation
import Harness
import Libvirt
import Matrix
import Reports
import Results
import Runner
import Testing

extension E2E {
/// Every request queue a real guest uses: matrices/queues-smoke.yaml through the runner on
/// QEMU 11.1 with the trixie 6.12 guest (built on demand), straitd with 1 and 2 request queues
/// beside both virtiofsd. The guest's interrupts per request virtqueue and straitd's requests
/// per queue must both show two queues carrying requests.
@Suite
struct QueuesE2ETests {
    static let missing = E2EEnvironment.missingQEMU11

    @Test("E2E: matrices/queues-smoke.yaml: a 6.12 guest on QEMU 11.1 uses both of straitd's request queues",
          .enabled(if: missing == nil, Comment(rawValue: missing ?? "")), .timeLimit(.minutes(40)))
    func queuesMatrixE2E() throws {
        try E2EEnvironment.runMatrix("queues-smoke") { run in
            let doc = run.document
            #expect(Set(doc.cells.map(\.cellID)) == [
                "straitd-auto-inline-qemu-11-debian-trixie", "straitd-auto-inline-q2-qemu-11-debian-trixie",
                "virtiofsd-c-auto-inline-qemu-11-debian-trixie", "virtiofsd-rust-auto-inline-qemu-11-debian-trixie",
            ])
            for cell in doc.cells {
                let what = "\(cell.cellID): \(cell.verdict); queues \(String(describing: cell.queues)); bundle \(cell.failureBundle ?? "none")"
                E2EEnvironment.log("e2e: \(what)")
                #expect(cell.verdict == .pass, "\(what)")
                #expect(cell.vmm?.contains("11.1") == true, "\(cell.cellID) ran on \(cell.vmm ?? "?")")
                #expect(cell.image?.hasPrefix("debian-trixie (kernel 6.12") == true, "\(cell.cellID) booted \(cell.image ?? "?")")
                for workload in cell.workloads {
                    #expect(workload.verdict == nil && workload.repetitions.count == 1, "\(cell.cellID) \(workload.workload)")
                }
                let queues = try #require(cell.queues, "\(cell.cellID) recorded no queue use")
                let guest = try #require(queues.guestInterrupts, "\(cell.cellID): the 6.12 guest did not show its request vqs")
                // The guest creates exactly the configured request vqs, and each carried requests.
                #expect(guest.count == cell.cell.requestQueues, "\(what)")
                #expect(guest.allSatisfy { $0 > 0 }, "\(what)")
                if cell.cell.backend == .straitd {
                    let daemon = try #require(queues.daemonRequests, "\(cell.cellID): straitd logged no per-queue counts")
                    #expect(daemon.count == cell.cell.requestQueues && daemon.allSatisfy { $0 > 0 }, "\(what)")
                }
            }
        }
    }
}
}
