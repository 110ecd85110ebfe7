/// fio access patterns of the seed reports; randrw is 75% reads.
public enum FioPattern: String, CaseIterable, Sendable, Codable, Hashable {
    case seqread, randread, seqwrite, randwrite, randrw

    /// fio's `rw=` value.
    public var rw: String {
        switch self {
        case .seqread: "read"
        case .randread: "randread"
        case .seqwrite: "write"
        case .randwrite: "randwrite"
        case .randrw: "randrw"
        }
    }

    public var reads: Bool { self == .seqread || self == .randread || self == .randrw }
    public var writes: Bool { self == .seqwrite || self == .randwrite || self == .randrw }
}

public enum FioEngine: String, CaseIterable, Sendable, Codable, Hashable {
    case psync, libaio, mmap
}

/// One job on one file, or four jobs on a file each ("multi" in the seed reports).
public enum FioLayout: String, CaseIterable, Sendable, Codable, Hashable {
    case single, multi

    public var jobs: Int { self == .single ? 1 : 4 }
}

/// One fio workload, fully determined: the seed's fixed knobs plus size and runtime from the matrix.
public struct FioJob: Sendable, Codable, Hashable {
    public var pattern: FioPattern
    public var engine: FioEngine
    public var layout: FioLayout
    /// Per-file size in fio's syntax (`64M`, `4G`).
    public var size: String
    /// Seconds; fio stops at the runtime or when the file is done, whichever comes first.
    public var runtime: Int
    /// Keep going for the whole runtime (loops over the file); steadier numbers for small files.
    public var timeBased: Bool
    public var blockSize: String
    public var iodepth: Int
    public var rwMixRead: Int

    public init(
        pattern: FioPattern, engine: FioEngine, layout: FioLayout = .single, size: String = "64M",
        runtime: Int = 30, timeBased: Bool = false, blockSize: String = "4k", iodepth: Int = 16, rwMixRead: Int = 75
    ) {
        self.pattern = pattern
        self.engine = engine
        self.layout = layout
        self.size = size
        self.runtime = runtime
        self.timeBased = timeBased
        self.blockSize = blockSize
        self.iodepth = iodepth
        self.rwMixRead = rwMixRead
    }

    /// The seed reports' name: `randread-psync`, `randread-psync-multi`.
    public var name: String {
        layout == .multi ? "\(pattern.rawValue)-\(engine.rawValue)-multi" : "\(pattern.rawValue)-\(engine.rawValue)"
    }

    /// O_DIRECT everywhere except mmap, where it means nothing.
    public var direct: Bool { engine != .mmap }
}

/// Extract a tarball of a few thousand files in the share, timed, then verified against the host.
public struct TarWorkload: Sendable, Codable, Hashable {
    /// Files in the generated tree (the runner makes it deterministically from `seed`).
    public var files: Int
    public var seed: UInt64
    /// A tarball to use instead of a generated tree (host path).
    public var tarball: String?

    public init(files: Int = 4000, seed: UInt64 = 1, tarball: String? = nil) {
        self.files = files
        self.seed = seed
        self.tarball = tarball
    }

    public var name: String { "tar" }

    /// The guest-side command: extract without taking the archive's owners, as the seed did.
    public func extractCommand(archive: String, into directory: String) -> [String] {
        ["tar", "--no-same-owner", "-xf", archive, "-C", directory]
    }
}

/// The metadata-heavy work users complain about on shared folders (Docker Desktop, Lima, Colima,
/// Kata): an npm-install-like burst of many small files in many directories, then `find` + `stat`
/// over the tree, `git status` in it, and `rm -rf` of it. One step, four timed phases, each
/// reported as its own workload (`meta-create`, `meta-find`, `meta-status`, `meta-rm`).
public struct MetaWorkload: Sendable, Codable, Hashable {
    /// Files in the tree (the issue's ~70k by default).
    public var files: Int
    /// Directories they spread over (`pNNNNN/lib`), npm's many small packages.
    public var directories: Int

    public init(files: Int = 70_000, directories: Int = 7_000) {
        self.files = files
        self.directories = directories
    }

    public var name: String { "meta" }

    public static let phases = ["create", "find", "status", "rm"]
    public var resultNames: [String] { Self.phases.map { "meta-" + $0 } }
}

public enum Workload: Sendable, Codable, Hashable {
    case fio(FioJob)
    case tar(TarWorkload)
    case meta(MetaWorkload)

    public var name: String {
        switch self {
        case .fio(let job): job.name
        case .tar(let tar): tar.name
        case .meta(let meta): meta.name
        }
    }

    /// The workload results one step of it produces (the meta workload's phases, else its name).
    public var resultNames: [String] {
        if case .meta(let meta) = self { return meta.resultNames }
        return [name]
    }

    /// Run before every measurement so each one starts cold, as the seed did.
    public static let dropCachesCommand = ["sh", "-c", "sync && echo 3 > /proc/sys/vm/drop_caches"]
}
