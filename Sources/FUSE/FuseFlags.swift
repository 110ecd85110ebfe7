/// INIT capability flags: `flags` in the low 32 bits, `flags2` (7.36+, FUSE_INIT_EXT) in the high.
public struct FuseInitFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let asyncRead = Self(rawValue: 1 << 0)
    public static let posixLocks = Self(rawValue: 1 << 1)
    public static let fileOps = Self(rawValue: 1 << 2)
    public static let atomicOTrunc = Self(rawValue: 1 << 3)
    public static let exportSupport = Self(rawValue: 1 << 4)
    public static let bigWrites = Self(rawValue: 1 << 5)
    public static let dontMask = Self(rawValue: 1 << 6)
    public static let spliceWrite = Self(rawValue: 1 << 7)
    public static let spliceMove = Self(rawValue: 1 << 8)
    public static let spliceRead = Self(rawValue: 1 << 9)
    public static let flockLocks = Self(rawValue: 1 << 10)
    public static let hasIoctlDir = Self(rawValue: 1 << 11)
    public static let autoInvalData = Self(rawValue: 1 << 12)
    public static let doReaddirplus = Self(rawValue: 1 << 13)
    public static let readdirplusAuto = Self(rawValue: 1 << 14)
    public static let asyncDIO = Self(rawValue: 1 << 15)
    public static let writebackCache = Self(rawValue: 1 << 16)
    public static let noOpenSupport = Self(rawValue: 1 << 17)
    public static let parallelDirops = Self(rawValue: 1 << 18)
    public static let handleKillpriv = Self(rawValue: 1 << 19)
    public static let posixACL = Self(rawValue: 1 << 20)
    public static let abortError = Self(rawValue: 1 << 21)
    public static let maxPages = Self(rawValue: 1 << 22)
    public static let cacheSymlinks = Self(rawValue: 1 << 23)
    public static let noOpendirSupport = Self(rawValue: 1 << 24)
    public static let explicitInvalData = Self(rawValue: 1 << 25)
    public static let mapAlignment = Self(rawValue: 1 << 26)
    public static let submounts = Self(rawValue: 1 << 27)
    public static let handleKillprivV2 = Self(rawValue: 1 << 28)
    public static let setxattrExt = Self(rawValue: 1 << 29)
    public static let initExt = Self(rawValue: 1 << 30)
    public static let initReserved = Self(rawValue: 1 << 31)
    public static let securityCtx = Self(rawValue: 1 << 32)
    public static let hasInodeDax = Self(rawValue: 1 << 33)
    public static let hasExpireOnly = Self(rawValue: 1 << 35)

    /// The low word, as carried in `flags`.
    public var low: UInt32 { UInt32(truncatingIfNeeded: rawValue) }
    /// The high word, as carried in `flags2`.
    public var high: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 32) }
    public init(low: UInt32, high: UInt32) { rawValue = UInt64(low) | UInt64(high) << 32 }
}

/// FATTR_*: which fields of `fuse_setattr_in` are valid.
public enum FuseSetattrValid {
    public static let mode: UInt32 = 1 << 0
    public static let uid: UInt32 = 1 << 1
    public static let gid: UInt32 = 1 << 2
    public static let size: UInt32 = 1 << 3
    public static let atime: UInt32 = 1 << 4
    public static let mtime: UInt32 = 1 << 5
    public static let fh: UInt32 = 1 << 6
    public static let atimeNow: UInt32 = 1 << 7
    public static let mtimeNow: UInt32 = 1 << 8
    public static let lockOwner: UInt32 = 1 << 9
    public static let ctime: UInt32 = 1 << 10
    public static let killSuidgid: UInt32 = 1 << 11
}

/// FOPEN_*: `open_flags` of `fuse_open_out`.
public enum FuseOpenOutFlags {
    public static let directIO: UInt32 = 1 << 0
    public static let keepCache: UInt32 = 1 << 1
    public static let nonseekable: UInt32 = 1 << 2
    public static let cacheDir: UInt32 = 1 << 3
    public static let stream: UInt32 = 1 << 4
    public static let noflush: UInt32 = 1 << 5
    public static let parallelDirectWrites: UInt32 = 1 << 6
}

/// Small per-request flag words of linux/fuse.h.
public enum FuseFlag {
    /// `fuse_release_in.release_flags`
    public static let releaseFlush: UInt32 = 1 << 0
    public static let releaseFlockUnlock: UInt32 = 1 << 1
    /// `fuse_getattr_in.getattr_flags`
    public static let getattrFH: UInt32 = 1 << 0
    /// `fuse_lk_in.lk_flags`
    public static let lkFlock: UInt32 = 1 << 0
    /// `fuse_write_in.write_flags`
    public static let writeCache: UInt32 = 1 << 0
    public static let writeLockOwner: UInt32 = 1 << 1
    public static let writeKillSuidgid: UInt32 = 1 << 2
    /// `fuse_read_in.read_flags`
    public static let readLockOwner: UInt32 = 1 << 1
    /// `fuse_fsync_in.fsync_flags`
    public static let fsyncFdatasync: UInt32 = 1 << 0
    /// `fuse_attr.flags`
    public static let attrSubmount: UInt32 = 1 << 0
    public static let attrDax: UInt32 = 1 << 1
    /// `fuse_open_in.open_flags` / `fuse_create_in.open_flags`
    public static let openKillSuidgid: UInt32 = 1 << 0
    /// `fuse_setxattr_in.setxattr_flags`
    public static let setxattrACLKillSgid: UInt32 = 1 << 0
    /// `fuse_setupmapping_in.flags`
    public static let setupmappingWrite: UInt64 = 1 << 0
    public static let setupmappingRead: UInt64 = 1 << 1
}
