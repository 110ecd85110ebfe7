/// What the daemon is configured to offer at INIT (derived from the passthrough options).
public struct FuseInitConfig: Sendable, Equatable {
    public var writeback = false
    public var readdirplus = true
    public var posixACL = false
    public var killprivV2 = false
    public var announceSubmounts = false
    public var posixLocks = true
    public var flockLocks = true
    /// log2 of the DAX mapping alignment (the host page size) when a DAX window exists.
    public var daxMapAlignment: UInt16?
    /// Largest WRITE payload; virtiofsd uses 1 MiB.
    public var maxWrite: UInt32 = 1 << 20
    /// Pages per request (FUSE_MAX_PAGES): 1 MiB of 4 KiB pages.
    public var maxPages: UInt16 = 256
    /// Background requests the guest may keep in flight; high, as the Rust virtiofsd sets them.
    public var maxBackground: UInt16 = UInt16.max
    public var congestionThreshold: UInt16 = UInt16.max / 4 * 3
    /// Timestamp granularity in nanoseconds.
    public var timeGran: UInt32 = 1

    public init() {}

    /// The capabilities we would enable if the guest offers them all.
    public var wanted: FuseInitFlags {
        // ASYNC_DIO: without it the guest's fuse_direct_IO runs every O_DIRECT aio synchronously
        // inside io_submit, so a libaio (or io_uring) job at iodepth 16 reaches the daemon one
        // request at a time (docs/benchmarks.md, issue 11). Both virtiofsd offer it.
        var f: FuseInitFlags = [
            .asyncRead, .asyncDIO, .parallelDirops, .atomicOTrunc, .exportSupport, .bigWrites,
            .autoInvalData, .maxPages, .setxattrExt, .initExt,
        ]
        if readdirplus { f.formUnion([.doReaddirplus, .readdirplusAuto]) }
        if writeback { f.insert(.writebackCache) }
        // As virtiofsd: with ACLs the daemon applies the umask itself (default ACLs may override it).
        if posixACL { f.formUnion([.posixACL, .dontMask]) }
        if killprivV2 { f.insert(.handleKillprivV2) }
        if announceSubmounts { f.insert(.submounts) }
        if posixLocks { f.insert(.posixLocks) }
        if flockLocks { f.insert(.flockLocks) }
        // With a window: MAP_ALIGNMENT, and HAS_INODE_DAX so `dax=inode` mounts read FUSE_ATTR_DAX.
        if daxMapAlignment != nil { f.formUnion([.mapAlignment, .hasInodeDax]) }
        return f
    }
}

/// What both sides agreed on; decides the layouts of later requests and replies.
public struct FuseSession: Sendable, Equatable {
    public var major: UInt32
    public var minor: UInt32
    public var flags: FuseInitFlags
    public var maxWrite: UInt32
    public var maxReadahead: UInt32

    public init(major: UInt32, minor: UInt32, flags: FuseInitFlags, maxWrite: UInt32, maxReadahead: UInt32) {
        self.major = major
        self.minor = minor
        self.flags = flags
        self.maxWrite = maxWrite
        self.maxReadahead = maxReadahead
    }

    /// setxattr_in is 16 bytes only when FUSE_SETXATTR_EXT was agreed.
    public var setxattrExt: Bool { flags.contains(.setxattrExt) }
    public var entryOutSize: Int { minor < 9 ? FuseProtocol.compatEntryOutSize : FuseEntryOut.size }
    public var attrOutSize: Int { minor < 9 ? FuseProtocol.compatAttrOutSize : FuseAttrOut.size }
    public var statfsOutSize: Int { minor < 4 ? FuseProtocol.compatStatfsSize : FuseStatfsOut.size }
    public var writeInSize: Int { minor < 9 ? FuseProtocol.compatWriteInSize : FuseWriteIn.size }
    public var mknodInSize: Int { minor < 12 ? FuseProtocol.compatMknodInSize : FuseMknodIn.size }
    public var setxattrInSize: Int { setxattrExt ? FuseSetxattrIn.size : FuseProtocol.compatSetxattrInSize }
}

/// The outcome of one INIT request.
public enum FuseInitOutcome: Sendable, Equatable {
    /// Reply with `bytes` (already in the guest's layout); the session is established.
    case accepted(FuseInitOut, bytes: [UInt8], session: FuseSession)
    /// The guest speaks a newer major: reply with ours and wait for it to retry INIT.
    case retry(bytes: [UInt8])
    /// Refuse with this errno (EPROTO for a major below 7).
    case refused(errno: Int32)
}

public enum FuseInit {
    public static let eproto: Int32 = 71

    /// INIT negotiation as libfuse/virtiofsd do it: the minor is the lower of the two, a
    /// capability is on only if the guest offers it and we want it, and the reply takes the
    /// layout of the guest's minor.
    public static func negotiate(_ request: FuseInitIn, config: FuseInitConfig) -> FuseInitOutcome {
        let ours = FuseInitOut(major: FuseProtocol.kernelVersion, minor: FuseProtocol.kernelMinorVersion)
        if request.major > FuseProtocol.kernelVersion {
            return .retry(bytes: ours.bytes)
        }
        if request.major < FuseProtocol.kernelVersion {
            return .refused(errno: eproto)
        }
        let minor = min(request.minor, FuseProtocol.kernelMinorVersion)
        var agreed = request.offered.intersection(config.wanted)
        if !request.offered.contains(.initExt) {
            agreed = FuseInitFlags(low: agreed.low, high: 0)
        }
        let maxPages = agreed.contains(.maxPages) ? config.maxPages : 0
        // Without MAX_PAGES the guest caps requests at 32 pages anyway; never promise more.
        let maxWrite = agreed.contains(.maxPages) ? config.maxWrite : min(config.maxWrite, 32 * 4096)
        let out = FuseInitOut(
            major: FuseProtocol.kernelVersion,
            minor: minor,
            maxReadahead: request.maxReadahead,
            flags: agreed.low,
            maxBackground: config.maxBackground,
            congestionThreshold: config.congestionThreshold,
            maxWrite: maxWrite,
            timeGran: config.timeGran,
            maxPages: maxPages,
            mapAlignment: agreed.contains(.mapAlignment) ? (config.daxMapAlignment ?? 0) : 0,
            flags2: agreed.contains(.initExt) ? agreed.high : 0
        )
        let session = FuseSession(
            major: FuseProtocol.kernelVersion, minor: minor, flags: agreed,
            maxWrite: maxWrite, maxReadahead: request.maxReadahead)
        return .accepted(out, bytes: out.encoded(forMinor: minor), session: session)
    }
}
