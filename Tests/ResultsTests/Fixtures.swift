import Foundation
import Matrix
import Results
import Stats

/// Small, fully determined documents for the tests.
enum Sample {
    static let host = HostFingerprint(hostname: "h", cpuModel: "Test CPU", cpus: 2, memoryBytes: 24 << 30, kernel: "6.1.0")

    static func environment(sha: String = "abc123") -> RunEnvironment {
        RunEnvironment(
            straitdSHA: sha, imageHash: "img1", guestKernel: "6.1.0-28-amd64", qemuVersion: "7.2.15",
            libvirtVersion: "9.0.0", accelerator: "tcg", acceleratorReason: "KVM probe boot hung", host: host)
    }

    static func fio(readBW: Double, iops: Double) -> FioSummary {
        let dir = FioDirection(
            bandwidthKiBps: readBW, iops: iops, ioBytes: 1 << 20, runtimeMs: 1000, clatMeanNs: 5000,
            clatPercentilesNs: ["50.0": 4000, "99.0": 9000, "99.9": 20000])
        let job = FioJobMetrics(name: "randread-psync", error: 0, read: dir, write: FioDirection())
        return FioSummary(fioVersion: "fio-3.33", jobs: [job], read: dir, write: FioDirection())
    }

    static let cell = Cell(backend: .straitd, cache: "auto", processing: .inline)

    static func cellResult(bws: [Double], tar: [Double] = [20, 22], cell: Cell = cell, verdict: Verdict = .pass) -> CellResult {
        let reps = bws.enumerated().map { Repetition(index: $0, fio: fio(readBW: $1, iops: $1 / 4)) }
        let tars = tar.enumerated().map { Repetition(index: $0, tarSeconds: $1) }
        return CellResult(
            cell: cell, verdict: verdict,
            workloads: [
                WorkloadResult(workload: "randread-psync", repetitions: reps),
                WorkloadResult(workload: "tar", repetitions: tars),
            ],
            verification: Verification(passed: true, filesChecked: 1000))
    }

    static func run(_ id: String, at seconds: Double, sha: String = "abc123", bws: [Double], complete: Bool = true) -> RunDocument {
        var doc = RunDocument(
            runID: id, matrix: "smoke", startedAt: Date(timeIntervalSince1970: seconds), environment: environment(sha: sha),
            cells: [cellResult(bws: bws)])
        doc.complete = complete
        if complete { doc.finishedAt = Date(timeIntervalSince1970: seconds + 60) }
        return doc
    }

    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strait-results-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
