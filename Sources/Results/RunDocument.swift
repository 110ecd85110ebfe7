import Foundation
import Matrix
import Stats

/// One run of a matrix, as written to `results/<run-id>.json`. Versioned so old documents stay
/// readable; `complete` is false until the run's last cell is recorded, so a killed run is visible
/// as such.
public struct RunDocument: Sendable, Codable, Hashable {
    public static let schemaVersion = 1

    public var schemaVersion: Int
    public var runID: String
    public var matrix: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var complete: Bool
    public var environment: RunEnvironment
    public var tolerances: Tolerances
    public var cells: [CellResult]
    /// Set when this run is one shard of a fanned-out matrix (`strait run --shard i/n`).
    public var shard: ShardInfo?
    /// Set on a merged run (`strait merge`): the shard runs it was made of.
    public var mergedFrom: [MergedShard]?
    /// The `--filter` the run was made with (`CellFilter.text`): a run of part of its matrix
    /// says so. Absent: the whole matrix (or a document written before the field).
    public var filter: String?

    public init(
        runID: String, matrix: String, startedAt: Date = Date(), environment: RunEnvironment,
        tolerances: Tolerances = Tolerances(), cells: [CellResult] = []
    ) {
        self.schemaVersion = Self.schemaVersion
        self.runID = runID
        self.matrix = matrix
        // Whole seconds: the JSON carries ISO 8601 without fractions, so a round trip is exact.
        self.startedAt = Date(timeIntervalSince1970: startedAt.timeIntervalSince1970.rounded(.down))
        self.finishedAt = nil
        self.complete = false
        self.environment = environment
        self.tolerances = tolerances
        self.cells = cells
    }

    public func cell(_ id: String) -> CellResult? { cells.first { $0.cellID == id } }
}

/// What the numbers depend on, recorded with every run so two runs can be judged comparable.
public struct RunEnvironment: Sendable, Codable, Hashable {
    public var straitdSHA: String?
    /// `debug` or `release`, as the straitd binary reported its own build (`straitd --version`);
    /// absent when it could not say (older binaries, older documents). Debug straitd is several
    /// times slower per request, so its numbers are not release numbers.
    public var straitdBuild: String?
    public var imageHash: String?
    public var guestKernel: String?
    public var qemuVersion: String?
    public var libvirtVersion: String?
    /// `kvm` or `tcg`.
    public var accelerator: String
    /// Why that accelerator (e.g. "KVM probe boot timed out after 60 s").
    public var acceleratorReason: String
    public var host: HostFingerprint
    /// vCPUs per VM (`--vcpus`): a 6.11+ guest uses one request queue per CPU, so a queue count
    /// is read against it. Absent in documents from before the field and in host-speed-only runs.
    public var vcpus: Int?
    /// How each measured step was set apart from what came before it: `host-flush` (fio's files
    /// laid out unmeasured, the guest's caches dropped, the host's dirty pages written back, then
    /// the measurement). Absent in runs made before 2026-11-28, whose steps laid out fio's files
    /// inside the step and left the host's writeback to run during the next measurement: such
    /// runs are not merged or pooled with flushed ones.
    public var stepIsolation: String?

    public init(
        straitdSHA: String? = nil, straitdBuild: String? = nil, imageHash: String? = nil, guestKernel: String? = nil,
        qemuVersion: String? = nil, libvirtVersion: String? = nil, accelerator: String, acceleratorReason: String,
        host: HostFingerprint, stepIsolation: String? = nil
    ) {
        self.straitdSHA = straitdSHA
        self.straitdBuild = straitdBuild
        self.imageHash = imageHash
        self.guestKernel = guestKernel
        self.qemuVersion = qemuVersion
        self.libvirtVersion = libvirtVersion
        self.accelerator = accelerator
        self.acceleratorReason = acceleratorReason
        self.host = host
        self.stepIsolation = stepIsolation
    }
}

/// The machine: numbers from different fingerprints are not compared silently.
public struct HostFingerprint: Sendable, Codable, Hashable {
    public var hostname: String
    public var cpuModel: String
    public var cpus: Int
    public var memoryBytes: UInt64
    public var kernel: String

    public init(hostname: String, cpuModel: String, cpus: Int, memoryBytes: UInt64, kernel: String) {
        self.hostname = hostname
        self.cpuModel = cpuModel
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.kernel = kernel
    }

    /// A short stable digest for grouping runs by machine.
    public var digest: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(cpuModel)|\(cpus)|\(memoryBytes)|\(kernel)".utf8 {
            h = (h ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(h, radix: 16)
    }
}

/// One cell of a run.
public struct CellResult: Sendable, Codable, Hashable {
    public var cellID: String
    public var cell: Cell
    public var verdict: Verdict
    public var workloads: [WorkloadResult]
    public var verification: Verification?
    /// Directory with console log, domain XML, QEMU and daemon logs when the cell failed.
    public var failureBundle: String?
    /// The VMM the cell ran on (e.g. "QEMU 1:11.1.3+ds-1~bpo13+1"); absent in older documents.
    public var vmm: String?
    /// A DAX cell's proof that it used the window; absent for other cells and in older documents.
    public var dax: DaxEvidence?
    /// The guest image the cell's VM booted ("debian-trixie (kernel 6.12.57+deb13-amd64)").
    public var image: String?
    /// The request queues configured and what both ends showed of their use (virtio-fs cells).
    public var queues: QueueUse?
    /// Set when the cell failed because the machine did, not its daemon: its VM could not be set
    /// up or created, or never answered SSH, while every daemon of that VM was still running. The
    /// verdict stays `fail` (the run measured nothing), a gate makes the cell incomparable
    /// (`GateCell.baselineInfrastructure`). Absent in older documents.
    public var infrastructure: Bool?

    public init(
        cell: Cell, verdict: Verdict, workloads: [WorkloadResult] = [], verification: Verification? = nil,
        failureBundle: String? = nil
    ) {
        self.cellID = cell.id
        self.cell = cell
        self.verdict = verdict
        self.workloads = workloads
        self.verification = verification
        self.failureBundle = failureBundle
    }

    public func workload(_ name: String) -> WorkloadResult? { workloads.first { $0.workload == name } }

    /// A host-speed cell (strait-load rounds, no VM): its repetitions carry `load` metrics. It is
    /// outside the VM cells a shard is assigned; the run that ran the load layer holds it.
    public var isHostSpeed: Bool {
        ["load", "instructions", "fuzz", "hostile"].contains(cell.label)
    }
}

/// What the runner's configuration check saw of a DAX cell's window: the guest's mount line with
/// its dax option, the guest's /proc/iomem line(s) of a region of the window's size under a virtio
/// device, and straitd's own count of SHMEM_MAPs after the workloads (a lower bound while it
/// runs: it logs at powers of two).
public struct DaxEvidence: Sendable, Codable, Hashable {
    public var mount: String
    public var iomem: [String]
    public var windowBytes: UInt64
    public var mapsAtLeast: UInt64

    public init(mount: String, iomem: [String], windowBytes: UInt64, mapsAtLeast: UInt64) {
        self.mount = mount
        self.iomem = iomem
        self.windowBytes = windowBytes
        self.mapsAtLeast = mapsAtLeast
    }
}

/// A virtio-fs cell's request queues: how many the device had (`num-request-queues`), the
/// guest's interrupts per request virtqueue (nil: the kernel does not show which device is the
/// share, before 6.9) and straitd's requests served per request queue (nil for the peers).
public struct QueueUse: Sendable, Codable, Hashable {
    public var configured: Int
    public var guestDevice: String?
    public var guestInterrupts: [Int]?
    public var daemonRequests: [Int]?

    public init(configured: Int, guestDevice: String? = nil, guestInterrupts: [Int]? = nil, daemonRequests: [Int]? = nil) {
        self.configured = configured
        self.guestDevice = guestDevice
        self.guestInterrupts = guestInterrupts
        self.daemonRequests = daemonRequests
    }

    /// Request queues that carried work, by the guest's count, else the daemon's.
    public var used: Int? {
        (guestInterrupts ?? daemonRequests).map { $0.filter { $0 > 0 }.count }
    }
}

/// Every repetition of one workload in one cell.
public struct WorkloadResult: Sendable, Codable, Hashable {
    public var workload: String
    public var repetitions: [Repetition]
    /// Set when the workload could not run in this configuration (e.g. mmap on cache=none).
    public var verdict: Verdict?

    public init(workload: String, repetitions: [Repetition] = [], verdict: Verdict? = nil) {
        self.workload = workload
        self.repetitions = repetitions
        self.verdict = verdict
    }

    /// Samples of one metric across repetitions that measured it, in repetition order.
    public func samples(_ metric: String) -> [Double] {
        repetitions.compactMap { $0.metrics[metric] }
    }

    /// Metric names present in any repetition.
    public var metricNames: [String] {
        Array(Set(repetitions.flatMap { $0.metrics.keys })).sorted()
    }
}

extension RunDocument {
    /// Repetitions measured while other work took the host (`Repetition.disturbed`), as
    /// "cell workload #N (1.37 cores)", in document order.
    public var disturbedRepetitions: [String] {
        cells.flatMap { cell in
            cell.workloads.flatMap { w in
                w.repetitions.filter { $0.disturbed() }.map {
                    String(format: "%@ %@ #%d (%.2f cores)", cell.cellID, w.workload, $0.index + 1, $0.hostOtherCores ?? 0)
                }
            }
        }
    }

    /// Every repetition that carries a measurement, for "N of M".
    public var measuredRepetitionCount: Int {
        cells.reduce(0) { $0 + $1.workloads.reduce(0) { $0 + $1.repetitions.filter { $0.error == nil && !$0.metrics.isEmpty }.count } }
    }

    /// One line naming the disturbed repetitions (at most `limit`), nil when there are none.
    public func disturbanceWarning(limit: Int = 8) -> String? {
        let list = disturbedRepetitions
        guard !list.isEmpty else { return nil }
        let shown = list.prefix(limit).joined(separator: ", ") + (list.count > limit ? ", ..." : "")
        return String(format: "WARNING %d of %d measurements were taken while other work took at least %.2f host cores (noisier than the rest): %@",
                      list.count, measuredRepetitionCount, Repetition.disturbanceThreshold, shown)
    }
}

/// One measurement: a fio summary or a tar extraction time.
public struct Repetition: Sendable, Codable, Hashable {
    public var index: Int
    public var fio: FioSummary?
    /// Wall-clock seconds of the tar extraction.
    public var tarSeconds: Double?
    /// Wall-clock seconds of one phase of the meta workload (`meta-create`, ...).
    public var metaSeconds: Double?
    /// Where the whole fio JSON output was kept.
    public var rawOutput: String?
    public var error: String?
    /// A host-speed round (strait-load): `ops.iops`, `ops.clat_p99` (us), `ops.mib_per_s`, or
    /// `ops.instructions` per operation. Absent in documents written before the load layer.
    public var load: [String: Double]?
    /// Host cores other work took while this was measured (the runner's `HostDisturbance`);
    /// absent in documents written before the field and for host-speed rounds. Since
    /// 2026-11-28 other processes only; before, the host kernel's threads were in it too.
    public var hostOtherCores: Double?
    /// Host cores the kernel's own threads took meanwhile (writeback of what the run wrote among
    /// them): shown, not a disturbance. Absent before 2026-11-28.
    public var hostKernelCores: Double?

    /// Measured while other work took at least `threshold` host cores.
    public func disturbed(threshold: Double = Repetition.disturbanceThreshold) -> Bool {
        (hostOtherCores ?? 0) >= threshold
    }

    /// A quarter of a core: on this project's 2-core machines a parallel build shows as 1-2.
    public static let disturbanceThreshold = 0.25

    public init(
        index: Int, fio: FioSummary? = nil, tarSeconds: Double? = nil, metaSeconds: Double? = nil,
        rawOutput: String? = nil, error: String? = nil, load: [String: Double]? = nil
    ) {
        self.index = index
        self.fio = fio
        self.tarSeconds = tarSeconds
        self.metaSeconds = metaSeconds
        self.rawOutput = rawOutput
        self.error = error
        self.load = load
    }

    /// Flat metrics: fio's (`read.bw`, ...), `tar.seconds`, `meta.seconds`, or a load round's (`ops.iops`, ...).
    public var metrics: [String: Double] {
        var out = fio?.metrics ?? [:]
        if let tarSeconds { out["tar.seconds"] = tarSeconds }
        if let metaSeconds { out["meta.seconds"] = metaSeconds }
        if let load { out.merge(load) { a, _ in a } }
        return out
    }
}

/// The file-by-file check of the share after a workload.
public struct Verification: Sendable, Codable, Hashable {
    public var passed: Bool
    public var filesChecked: Int
    /// The first mismatches (path: what differed), capped by the verifier.
    public var mismatches: [String]

    public init(passed: Bool, filesChecked: Int, mismatches: [String] = []) {
        self.passed = passed
        self.filesChecked = filesChecked
        self.mismatches = mismatches
    }
}
