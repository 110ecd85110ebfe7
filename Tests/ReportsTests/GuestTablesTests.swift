import Foundation
import Matrix
import Results
import Stats
import Testing
@testable import Reports

/// docs/benchmarks.md's generated in-guest sections from known documents.
@Suite struct GuestTablesTests {
    static func cell(_ backend: ShareBackend, queues: Int? = nil) -> Cell {
        var c = Cell(backend: backend, cache: "auto", processing: .inline)
        c.queues = queues
        c.vmm = .qemu11
        c.image = "debian-trixie"
        return c
    }

    /// KiB/s in Runs.workload: IOPS are a quarter of them.
    static func queueRun(_ id: String, q1: [Double], q2: [Double]) -> RunDocument {
        var doc = Runs.run(id)
        doc.matrix = "queues-quick"
        var one = CellResult(cell: cell(.straitd), verdict: .pass, workloads: [Runs.workload("randread-libaio-multi", reads: q1)])
        one.queues = QueueUse(configured: 1, guestDevice: "virtio3", guestInterrupts: [17_778], daemonRequests: [34_658])
        var two = CellResult(cell: cell(.straitd, queues: 2), verdict: .pass, workloads: [Runs.workload("randread-libaio-multi", reads: q2)])
        two.queues = QueueUse(configured: 2, guestInterrupts: [10_471, 9_128], daemonRequests: [22_991, 18_817])
        two.vmm = "QEMU 1:11.1.3+ds-1~bpo13+1"
        two.image = "debian-trixie (kernel 6.12.118)"
        let peer = CellResult(cell: cell(.virtiofsdC, queues: 2), verdict: .unsupported("virtiofsd-c serves one request queue"))
        doc.cells = [one, two, peer]
        return doc
    }

    /// A row per daemon and queue count, IOPS with the ratio to one queue, both ends' per-queue
    /// counts, an unsupported cell named as such; two runs pool repetitions and list each run's counts.
    @Test func queueScaling() {
        let run = Self.queueRun("q-a", q1: [18_112], q2: [25_244])
        let text = Reports.guestSection(.guestQueues, runs: [run], command: "strait report --section guest-queues")
        #expect(text.hasPrefix("Made by `strait report --section guest-queues` from the stored run `q-a` (matrix `queues-quick`) 2023-11-14 22:13-? UTC; straitd at sha-q-a, build not recorded;"), "\(text)")
        #expect(text.contains("QEMU 1:11.1.3+ds-1~bpo13+1"), "\(text)")
        #expect(text.contains(", vCPUs per VM not recorded"), "\(text)")
        var four = run
        four.environment.vcpus = 4
        #expect(Reports.guestSection(.guestQueues, runs: [four], command: "c").contains(", 4 vCPUs per VM, tcg on 2 host CPUs"))
        #expect(text.contains("| daemon | request queues | randread-libaio-multi IOPS (x of 1 queue) | guest interrupts per request vq | straitd requests per queue |"), "\(text)")
        #expect(text.contains("| straitd | 1 | 4,528 | 17,778 | 34,658 |"), "\(text)")
        #expect(text.contains("| straitd | 2 | 6,311 (x1.39) | 10,471 / 9,128 | 22,991 / 18,817 |"), "\(text)")
        #expect(text.contains("| virtiofsd-c | 2 | unsupported: virtiofsd-c serves one request queue | | |"), "\(text)")

        let again = Self.queueRun("q-b", q1: [16_000], q2: [40_000])
        let pooled = Reports.guestSection(.guestQueues, runs: [run, again], command: "c")
        #expect(pooled.contains("from the stored runs `q-a`"), "\(pooled)")
        // Medians of 4,528 and 4,000 -> 4,264; of 6,311 and 10,000 -> 8,156 (x1.91).
        #expect(pooled.contains("| straitd | 2 | 8,156 [6,311-10,000] n=2 (x1.91) | 10,471 / 9,128; 10,471 / 9,128 |"), "\(pooled)")
        #expect(Reports.guestSection(.guestQueues, runs: [], command: "c").hasPrefix("No stored complete run of matrix `queues` (or `queues-quick`)"))
    }

    /// Daemons side by side: median and every repetition, straitd against the better peer of the
    /// same repetition, and of the medians; a failed repetition is left out, never a zero.
    @Test func daemonsSideBySide() {
        var doc = Runs.run("l")
        doc.matrix = "libaio-qd16"
        var straitd = Runs.workload("randread-libaio", reads: [8_000, 16_000, 12_000])
        straitd.repetitions.append(Repetition(index: 3, error: "fio exit 1"))
        doc.cells = [
            CellResult(cell: Runs.auto, verdict: .pass, workloads: [straitd]),
            CellResult(cell: Cell(backend: .virtiofsdC, cache: "auto", processing: .inline), verdict: .pass,
                       workloads: [Runs.workload("randread-libaio", reads: [4_000, 20_000, 8_000])]),
            CellResult(cell: Cell(backend: .virtiofsdRust, cache: "auto", processing: .inline), verdict: .pass,
                       workloads: [Runs.workload("randread-libaio", reads: [10_000, 8_000, 16_000])]),
        ]
        let text = Reports.guestSection(.guestLibaio, runs: [doc], command: "c")
        #expect(text.contains("| workload | straitd | virtiofsd-c | virtiofsd-rust | straitd / better peer, per repetition | of the medians |"), "\(text)")
        // IOPS: straitd 2,000 / 4,000 / 3,000; C 1,000 / 5,000 / 2,000; Rust 2,500 / 2,000 / 4,000.
        #expect(text.contains("| randread-libaio | 3,000 (2,000 / 4,000 / 3,000) | 2,000 (1,000 / 5,000 / 2,000) | 2,500 (2,500 / 2,000 / 4,000) | 0.80 / 0.80 / 0.75 | 1.20 |"), "\(text)")
    }

    /// A repetition measured while other work took the host is marked and left out of the
    /// medians and of every pair it belongs to; the table says why.
    @Test func disturbedRepetitionsAreShownButNotCounted() {
        var doc = Runs.run("d")
        doc.matrix = "libaio-qd16"
        var straitd = Runs.workload("randread-libaio", reads: [8_000, 16_000, 12_000])
        var c = Runs.workload("randread-libaio", reads: [4_000, 20_000, 8_000])
        straitd.repetitions[0].hostOtherCores = 0.1
        straitd.repetitions[1].hostOtherCores = 1.4
        c.repetitions[2].hostOtherCores = 0.3
        doc.cells = [
            CellResult(cell: Runs.auto, verdict: .pass, workloads: [straitd]),
            CellResult(cell: Cell(backend: .virtiofsdC, cache: "auto", processing: .inline), verdict: .pass, workloads: [c]),
        ]
        let text = Reports.guestSection(.guestLibaio, runs: [doc], command: "c")
        // straitd: 2,000 and 3,000 count (median 2,500), 4,000 disturbed; C: 1,000 and 5,000 count
        // (3,000), 2,000 disturbed; only the first pair is clean: 2,000 / 1,000.
        #expect(text.contains("| randread-libaio | 2,500 (2,000 / 4,000\u{2020} / 3,000) | 3,000 (1,000 / 5,000 / 2,000\u{2020}) | 2.00 | 0.83 |"), "\(text)")
        #expect(text.contains("\u{2020} measured while other work took at least 0.25 host cores"), "\(text)")
        #expect(!Reports.guestSection(.guestLibaio, runs: [Self.queueRun("q", q1: [1], q2: [2])], command: "c").contains("\u{2020}"))
        var all = Runs.workload("randread-libaio", reads: [8_000])
        all.repetitions[0].hostOtherCores = 2
        #expect(Reports.iopsText(all) == "all 1 repetition(s) disturbed")
        straitd.repetitions[1].hostOtherCores = nil
        #expect(Reports.iopsText(c) == "3,000 [1,000-5,000] n=2 (+1 disturbed, left out)")
    }

    /// The run's own warning, printed by `strait run`, `strait gate` and the Markdown report.
    @Test func disturbedMeasurementsAreNamedOnce() {
        var doc = Runs.run("w")
        var w = Runs.workload("randread-libaio", reads: [8_000, 16_000, 12_000])
        #expect(doc.disturbanceWarning() == nil)
        w.repetitions[1].hostOtherCores = 1.37
        w.repetitions[2].hostOtherCores = 0.2
        doc.cells = [CellResult(cell: Runs.auto, verdict: .pass, workloads: [w])]
        let warning = doc.disturbanceWarning()
        #expect(warning == "WARNING 1 of 3 measurements were taken while other work took at least 0.25 host cores (noisier than the rest): \(Runs.auto.id) randread-libaio #2 (1.37 cores)", "\(warning ?? "nil")")
        #expect(Reports.markdown([LabeledRun(label: "run", run: doc)]).contains("**WARNING 1 of 3 measurements"))
    }

    @Test func grouping() {
        #expect(Reports.grouped(0) == "0")
        #expect(Reports.grouped(999.6) == "1,000")
        #expect(Reports.grouped(1_234_567) == "1,234,567")
    }
}
