import Glibc

/// The guest caller of a request (from the FUSE in-header).
public struct Credentials: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: UInt32

    public init(uid: UInt32, gid: UInt32, pid: UInt32 = 0) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }
}

/// A looked-up name: the node id the guest will use, plus attributes for fuse_entry_out.
public struct Entry: Sendable {
    public var node: UInt64
    public var generation: UInt64
    public var attr: stat
    /// The inode is the root of another mount than its parent's (FUSE_ATTR_SUBMOUNT);
    /// only set when `announceSubmounts` is on.
    public var submount: Bool
}

/// The reply to open/opendir/create: a handle plus the FOPEN_* decisions.
public struct OpenResult: Sendable, Equatable {
    public var handle: UInt64
    public var keepCache: Bool
    public var directIO: Bool
    public var cacheDir: Bool
}

/// A time in SETATTR: the host's "now" (FATTR_ATIME_NOW/MTIME_NOW) or an explicit time.
public enum TimeChange: Sendable, Equatable {
    case now
    case set(seconds: Int64, nanoseconds: UInt32)
}

/// The fields of a SETATTR the guest asked to change; nil means unchanged.
public struct SetAttr: Sendable, Equatable {
    public var mode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public var size: UInt64?
    public var atime: TimeChange?
    public var mtime: TimeChange?
    /// FATTR_KILL_SUIDGID: clear set-user-id / set-group-id (killpriv_v2).
    public var killSuidgid: Bool

    public init(mode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil, size: UInt64? = nil,
                atime: TimeChange? = nil, mtime: TimeChange? = nil, killSuidgid: Bool = false) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.atime = atime
        self.mtime = mtime
        self.killSuidgid = killSuidgid
    }
}

/// One directory entry for READDIR(PLUS); `nextOffset` is the cookie to resume after it.
public struct DirEntry: Sendable, Equatable {
    public var ino: UInt64
    public var nextOffset: UInt64
    /// DT_* type, as fuse_dirent.type wants.
    public var type: UInt32
    public var name: [UInt8]
}

/// A byte-range lock as fuse_file_lock carries it: `end` inclusive, UInt64.max = to EOF.
public struct FileLock: Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64
    /// F_RDLCK, F_WRLCK or F_UNLCK.
    public var type: Int32
    public var pid: UInt32

    public init(start: UInt64, end: UInt64, type: Int32, pid: UInt32 = 0) {
        self.start = start
        self.end = end
        self.type = type
        self.pid = pid
    }
}

/// getxattr/listxattr reply: the size when the guest asked with size 0, else the bytes.
public enum XattrReply: Sendable, Equatable {
    case size(Int)
    case data([UInt8])
}
