import Foundation
import Matrix
import Results
import Stats

/// Documents built from known numbers for report tests.
enum Runs {
    static let host = HostFingerprint(hostname: "h", cpuModel: "Test CPU", cpus: 2, memoryBytes: 24 << 30, kernel: "6.1.0")
    static let auto = Cell(backend: .straitd, cache: "auto", processing: .inline)
    static let none = Cell(backend: .straitd, cache: "none", processing: .inline)
    static let ninep = Cell(backend: .ninep, cache: "loose")

    static func direction(_ bw: Double) -> FioDirection {
        FioDirection(
            bandwidthKiBps: bw, iops: bw / 4, ioBytes: bw > 0 ? 1 << 20 : 0, runtimeMs: 1000, clatMeanNs: 4000,
            clatPercentilesNs: ["50.0": 4000, "99.0": 1e9 / (bw / 4)])
    }

    static func fio(read: Double, write: Double = 0) -> FioSummary {
        let r = direction(read), w = direction(write)
        return FioSummary(fioVersion: "fio-3.33", jobs: [FioJobMetrics(name: "j", read: r, write: w)], read: r, write: w)
    }

    static func workload(_ name: String, reads: [Double], writes: [Double] = []) -> WorkloadResult {
        WorkloadResult(
            workload: name,
            repetitions: reads.indices.map { Repetition(index: $0, fio: fio(read: reads[$0], write: writes.indices.contains($0) ? writes[$0] : 0)) })
    }

    static func tar(_ seconds: [Double]) -> WorkloadResult {
        WorkloadResult(workload: "tar", repetitions: seconds.enumerated().map { Repetition(index: $0, tarSeconds: $1) })
    }

    /// Two cells and a 9p cell whose mmap workload is unsupported; `scale` multiplies straitd-auto's
    /// randread bandwidth.
    static func run(_ id: String, scale: Double = 1, failNone: Bool = false) -> RunDocument {
        let base: [Double] = [86_000, 88_000, 87_000, 85_500, 86_500, 87_500]
        var doc = RunDocument(
            runID: id, matrix: "smoke", startedAt: Date(timeIntervalSince1970: 1_700_000_000),
            environment: RunEnvironment(
                straitdSHA: "sha-\(id)", qemuVersion: "7.2.15", accelerator: "tcg",
                acceleratorReason: "KVM probe boot hung", host: host),
            tolerances: Tolerances(defaultFraction: 0.1))
        doc.cells = [
            CellResult(
                cell: auto, verdict: .pass,
                workloads: [
                    workload("randread-psync", reads: base.map { $0 * scale }),
                    workload("randrw-psync", reads: [40_000, 41_000, 39_000], writes: [13_000, 13_500, 12_800]),
                    tar([22, 23, 21]),
                ],
                verification: Verification(passed: true, filesChecked: 1000)),
            CellResult(
                cell: none, verdict: failNone ? .fail("tar: 3 files differ") : .pass,
                workloads: [workload("randread-psync", reads: [5_000, 5_100, 4_900]), tar([183, 180, 190])],
                verification: Verification(passed: !failNone, filesChecked: 1000, mismatches: failNone ? ["a/b: size"] : []),
                failureBundle: failNone ? "/tmp/bundles/\(id)/straitd-none-inline" : nil),
            CellResult(
                cell: ninep, verdict: .pass,
                workloads: [
                    workload("randread-psync", reads: [50_500, 50_000, 51_000]),
                    WorkloadResult(workload: "seqwrite-mmap", verdict: .unsupported("mmap write: EOPNOTSUPP on 9p cache=loose")),
                ]),
        ]
        doc.complete = true
        return doc
    }
}
