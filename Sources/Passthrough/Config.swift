/// How much the guest may cache, as virtiofsd's `cache=` option.
public enum CacheMode: String, Sendable, CaseIterable {
    /// Nothing cached: zero timeouts, direct I/O (virtiofsd's `none`, alias `never`).
    case none
    /// Short-lived metadata, data cache revalidated on open.
    case auto
    /// Metadata cached for a day, data kept across opens.
    case always
    /// Metadata cached like `always`, data not cached (the Rust daemon's `metadata`).
    case metadata

    /// Parses the spellings both reference daemons accept.
    public init?(parsing text: String) {
        switch text {
        case "none", "never": self = .none
        case "auto": self = .auto
        case "always": self = .always
        case "metadata": self = .metadata
        default: return nil
        }
    }
}

/// Whether inodes are kept as file handles instead of O_PATH descriptors.
public enum InodeFileHandles: String, Sendable, CaseIterable {
    case never, prefer, mandatory
}

/// Everything the host file system needs from the command line.
public struct PassthroughConfig: Sendable {
    public var root: String
    public var cache: CacheMode
    /// Overrides the entry and attribute timeouts of the cache mode (seconds).
    public var timeout: Double?
    public var writeback: Bool
    public var xattr: Bool
    public var posixACL: Bool
    public var killprivV2: Bool
    public var announceSubmounts: Bool
    public var readdirplus: Bool
    public var allowDirectIO: Bool
    public var inodeFileHandles: InodeFileHandles
    public var xattrMap: XattrMap?
    /// An open /proc/self/fd (O_PATH) for a daemon that has left /proc behind (pivot_root or
    /// chroot into the shared directory); PassthroughFS dups it. Nil: it opens /proc/self/fd itself.
    public var procSelfFD: Int32? = nil
    /// `--readonly`: every request that would modify the share is answered EROFS.
    public var readonly = false

    public init(
        root: String, cache: CacheMode = .auto, timeout: Double? = nil, writeback: Bool = false,
        xattr: Bool = false, posixACL: Bool = false, killprivV2: Bool = false,
        announceSubmounts: Bool = false, readdirplus: Bool = true, allowDirectIO: Bool = false,
        inodeFileHandles: InodeFileHandles = .never, xattrMap: XattrMap? = nil
    ) {
        self.root = root
        self.cache = cache
        self.timeout = timeout
        self.writeback = writeback
        self.xattr = xattr
        self.posixACL = posixACL
        self.killprivV2 = killprivV2
        self.announceSubmounts = announceSubmounts
        self.readdirplus = readdirplus
        self.allowDirectIO = allowDirectIO
        self.inodeFileHandles = inodeFileHandles
        self.xattrMap = xattrMap
    }
}
