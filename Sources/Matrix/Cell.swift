/// One point of a matrix: a backend configuration. Every workload of the matrix runs in every cell.
public struct Cell: Sendable, Codable, Hashable {
    public var backend: ShareBackend
    public var cache: String
    public var dax: Dax
    /// nil for backends without a daemon-side request path (9p, sshfs).
    public var processing: Processing?
    /// Extra command-line options for the backend, as the matrix gave them.
    public var options: [String]
    /// Tells apart included cells that differ only in options (`straitd-auto-inline-xattr`).
    public var label: String?

    public init(
        backend: ShareBackend, cache: String, dax: Dax = .off, processing: Processing? = nil, options: [String] = [],
        label: String? = nil
    ) {
        self.backend = backend
        self.cache = cache
        self.dax = dax
        self.processing = processing
        self.options = options
        self.label = label
    }

    /// Stable, unique, human-readable: `straitd-auto-dax-pool16`, `9p-loose`. Used as the NAME
    /// column, the history key and the filter target.
    public var id: String {
        if backend == .native { return (["native"] + (label.map { [$0] } ?? [])).joined(separator: "-") }
        var parts = [backend.rawValue, cache]
        if dax == .on { parts.append("dax") }
        if dax == .inode { parts.append("daxinode") }
        if let processing { parts.append(processing.slug) }
        if let label { parts.append(label) }
        return parts.joined(separator: "-")
    }

    /// The value of an axis by its matrix name, for filters and reports.
    public func value(of axis: Axis) -> String {
        switch axis {
        case .backend: backend.rawValue
        case .cache: cache
        case .dax: dax.rawValue
        case .processing: processing?.description ?? "none"
        }
    }

    /// Why this combination cannot exist, or nil when it can.
    public var invalidReason: String? {
        if !backend.cacheModes.contains(cache) {
            return "cache=\(cache) is not a \(backend.rawValue) cache mode (\(backend.cacheModes.joined(separator: "/")))"
        }
        if dax != .off && !backend.isVirtioFS {
            return "DAX applies to virtio-fs backends only, not \(backend.rawValue)"
        }
        if case .autoSwitch = processing, backend != .straitd {
            return "auto-switch processing is a straitd feature; \(backend.rawValue) has none"
        }
        return daxWindowProblem
    }
}

/// The axes of a matrix, by the names a matrix file and `--filter` use.
public enum Axis: String, CaseIterable, Sendable {
    case backend, cache, dax, processing
}
