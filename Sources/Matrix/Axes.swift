/// The daemon or file system that serves the share to the guest.
public enum ShareBackend: String, CaseIterable, Sendable, Codable, Hashable {
    case straitd
    case virtiofsdC = "virtiofsd-c"
    case virtiofsdRust = "virtiofsd-rust"
    case ninep = "9p"
    case sshfs
    /// No share: the same workload on the guest's own disk (a directory of its root file
    /// system), the seed reports' baseline.
    case native

    /// virtio-fs backends share cache modes, DAX and request processing; 9p and sshfs do not.
    public var isVirtioFS: Bool {
        switch self {
        case .straitd, .virtiofsdC, .virtiofsdRust: true
        case .ninep, .sshfs, .native: false
        }
    }

    /// Cache modes the guest can mount this backend with. sshfs: `none` is `-o dir_cache=no`,
    /// `auto` is sshfs's default caching.
    public var cacheModes: [String] {
        switch self {
        case .straitd, .virtiofsdC, .virtiofsdRust: ["none", "auto", "always"]
        case .ninep: ["none", "mmap", "loose"]
        case .sshfs: ["none", "auto"]
        // The guest's page cache over its own disk, as any local file system; one cell.
        case .native: ["none"]
        }
    }

    /// Short names in the spirit of the seed reports' NAME column (`vtfs-none`, `9p-loose`).
    public var shortName: String {
        switch self {
        case .straitd: "straitd"
        case .virtiofsdC: "vtfs-c"
        case .virtiofsdRust: "vtfs-rust"
        case .ninep: "9p"
        case .sshfs: "sshfs"
        case .native: "native"
        }
    }
}

/// The DAX window: `on` maps file pages straight into the guest (`-o dax=always`, the seeds'
/// setting), `inode` per file (`-o dax=inode`: files the daemon flags FUSE_ATTR_DAX); both need
/// a VMM with a window (QEMU 11.1's generic vhost-user device) and a daemon that maps into it.
public enum Dax: String, CaseIterable, Sendable, Codable, Hashable {
    case off, on, inode

    /// The guest's mount option, nil for off.
    public var mountOption: String? {
        switch self {
        case .off: nil
        case .on: "dax=always"
        case .inode: "dax=inode"
        }
    }
}

/// The VMM a cell's VM runs on: `default` is the run's (libvirt's QEMU, or the DAX QEMU when the
/// run has a cell mapping through a window), `qemu-11` the private QEMU 11.1 root that
/// scripts/install-qemu-dax.sh installs (/opt/strait-qemu-11).
public enum VMM: String, CaseIterable, Sendable, Codable, Hashable {
    case `default`
    case qemu11 = "qemu-11"
}

/// How the daemon processes requests: on the queue thread, in a pool of N threads, or inline
/// until a queue has more than `threshold` requests in flight and then in a pool.
public enum Processing: Sendable, Codable, Hashable, CustomStringConvertible {
    case inline
    case pool(Int)
    case autoSwitch(threshold: Int, pool: Int)

    public static let defaultAutoPool = 16

    /// Parses `inline`, `pool:N`, `auto:THRESHOLD` or `auto:THRESHOLD:POOL`; nil when malformed.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func positive(_ s: String) -> Int? { Int(s).flatMap { $0 > 0 ? $0 : nil } }
        switch parts.first {
        case "inline" where parts.count == 1:
            self = .inline
        case "pool" where parts.count == 2:
            guard let n = positive(parts[1]) else { return nil }
            self = .pool(n)
        case "auto" where parts.count == 2 || parts.count == 3:
            guard let t = positive(parts[1]) else { return nil }
            let pool = parts.count == 3 ? positive(parts[2]) : Self.defaultAutoPool
            guard let pool else { return nil }
            self = .autoSwitch(threshold: t, pool: pool)
        default:
            return nil
        }
    }

    /// The spelling `init(parsing:)` accepts, so matrices, filters and results agree.
    public var description: String {
        switch self {
        case .inline: "inline"
        case .pool(let n): "pool:\(n)"
        case .autoSwitch(let t, let p): "auto:\(t):\(p)"
        }
    }

    /// Compact form for cell names (`pool16`, `auto4x16`).
    public var slug: String {
        switch self {
        case .inline: "inline"
        case .pool(let n): "pool\(n)"
        case .autoSwitch(let t, let p): "auto\(t)x\(p)"
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Processing(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad processing \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
