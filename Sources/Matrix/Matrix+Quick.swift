/// The short form of a matrix: the same cells and workloads (so the same rows as the report it
/// reproduces) with smaller files, shorter runtimes, fewer tar files and repetitions. For CI and
/// checks; the documented numbers come from the full matrix.
public struct QuickProfile: Sendable, Hashable {
    public var size: String?
    public var runtime: Int?
    public var files: Int?
    public var repetitions: Int?

    public init(size: String? = nil, runtime: Int? = nil, files: Int? = nil, repetitions: Int? = nil) {
        self.size = size
        self.runtime = runtime
        self.files = files
        self.repetitions = repetitions
    }
}

extension Matrix {
    /// Suffix of a quick run's matrix name, so the history never takes a quick run as the
    /// baseline of a full one.
    public static let quickSuffix = "-quick"

    /// This matrix with its quick profile applied and its name suffixed; nil when it has none.
    public func quickened() -> Matrix? {
        guard let quick else { return nil }
        var m = self
        m.name += Self.quickSuffix
        m.workloads = workloads.map { workload in
            switch workload {
            case .fio(var job):
                if let size = quick.size { job.size = size }
                if let runtime = quick.runtime { job.runtime = runtime }
                return .fio(job)
            case .tar(var tar):
                if let files = quick.files, tar.tarball == nil { tar.files = files }
                return .tar(tar)
            case .meta(var meta):
                if let files = quick.files {
                    meta.directories = max(1, meta.directories * files / max(meta.files, 1))
                    meta.files = files
                }
                return .meta(meta)
            }
        }
        if let r = quick.repetitions { m.repetitions = r }
        return m
    }
}
