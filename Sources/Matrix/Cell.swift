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
    /// nil: the run's VMM (so documents written before the axis existed decode unchanged).
    public var vmm: VMM?
    /// Recipe name of the guest image (images/NAME.yaml); nil: the run's `--recipe`.
    public var image: String?
    /// virtio-fs request queues of the device; nil: one.
    public var queues: Int?

    public init(
        backend: ShareBackend, cache: String, dax: Dax = .off, processing: Processing? = nil, options: [String] = [],
        label: String? = nil, vmm: VMM? = nil, image: String? = nil, queues: Int? = nil
    ) {
        self.backend = backend
        self.cache = cache
        self.dax = dax
        self.processing = processing
        self.options = options
        self.label = label
        // Defaults are stored as nil: one spelling per cell, and ids and documents stay as before.
        self.vmm = vmm == .default ? nil : vmm
        self.image = image == "default" ? nil : image
        self.queues = queues == 1 ? nil : queues
    }

    /// The device's request queues (QEMU's `num-request-queues`).
    public var requestQueues: Int { queues ?? 1 }

    /// Stable, unique, human-readable: `straitd-auto-dax-pool16`, `9p-loose`. Used as the NAME
    /// column, the history key and the filter target.
    public var id: String {
        if backend == .native {
            return (["native"] + [vmm?.rawValue, image, label].compactMap { $0 }).joined(separator: "-")
        }
        var parts = [backend.rawValue, cache]
        if dax == .on { parts.append("dax") }
        if dax == .inode { parts.append("daxinode") }
        if let processing { parts.append(processing.slug) }
        if let queues { parts.append("q\(queues)") }
        if let vmm { parts.append(vmm.rawValue) }
        if let image { parts.append(image) }
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
        case .vmm: (vmm ?? .default).rawValue
        case .image: image ?? "default"
        case .queues: String(requestQueues)
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
        if requestQueues != 1 && dax != .off {
            return "DAX shares use QEMU's generic vhost-user device with one request queue"
        }
        if requestQueues != 1 && !backend.isVirtioFS {
            return "request queues apply to virtio-fs backends only, not \(backend.rawValue)"
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
    /// The VMM (`default`, `qemu-11`), the guest image (a recipe name under images/, `default`:
    /// the run's `--recipe`) and the virtio-fs request queues of the device (QEMU's
    /// `num-request-queues`).
    case vmm, image, queues
}

extension Axis {
    /// A recipe name as the image axis takes it (images/NAME.yaml).
    public static func isImageName(_ text: String) -> Bool {
        !text.isEmpty && !text.hasPrefix(".") && text.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }
    }

    /// The most request queues a cell may ask for.
    public static let maxQueues = 16
}
