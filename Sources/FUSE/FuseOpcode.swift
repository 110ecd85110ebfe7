/// `enum fuse_opcode` of linux/fuse.h 7.38, every value. Unknown values stay `UInt32` on the
/// wire (`FuseInHeader.opcode`); `FuseOpcode(rawValue:)` returns nil for them -> ENOSYS.
public enum FuseOpcode: UInt32, Sendable, CaseIterable {
    case lookup = 1
    case forget = 2  // no reply
    case getattr = 3
    case setattr = 4
    case readlink = 5
    case symlink = 6
    case mknod = 8
    case mkdir = 9
    case unlink = 10
    case rmdir = 11
    case rename = 12
    case link = 13
    case open = 14
    case read = 15
    case write = 16
    case statfs = 17
    case release = 18
    case fsync = 20
    case setxattr = 21
    case getxattr = 22
    case listxattr = 23
    case removexattr = 24
    case flush = 25
    case `init` = 26
    case opendir = 27
    case readdir = 28
    case releasedir = 29
    case fsyncdir = 30
    case getlk = 31
    case setlk = 32
    case setlkw = 33
    case access = 34
    case create = 35
    case interrupt = 36
    case bmap = 37
    case destroy = 38
    case ioctl = 39
    case poll = 40
    case notifyReply = 41
    case batchForget = 42
    case fallocate = 43
    case readdirplus = 44
    case rename2 = 45
    case lseek = 46
    case copyFileRange = 47
    case setupmapping = 48
    case removemapping = 49
    case syncfs = 50
    case tmpfile = 51
    case cuseInit = 4096
    /// Reserved: CUSE_INIT byte-swapped, lets a server detect a peer of the other endianness.
    case cuseInitBswapReserved = 1_048_576
    /// Reserved: FUSE_INIT byte-swapped.
    case fuseInitBswapReserved = 436_207_616

    /// Requests the guest expects no reply to.
    public var hasNoReply: Bool {
        switch self {
        case .forget, .batchForget, .interrupt: true
        default: false
        }
    }
}

/// `enum fuse_notify_code`: server-initiated messages (unused by virtio-fs, listed for completeness).
public enum FuseNotifyCode: UInt32, Sendable, CaseIterable {
    case poll = 1
    case invalInode = 2
    case invalEntry = 3
    case store = 4
    case retrieve = 5
    case delete = 6
}
