import CShims
import Glibc
import Logging
import Synchronization

/// The host side of virtio-fs: serves `config.root` to an untrusted guest, FUSE-agnostic.
/// Node 1 is the root. Every name is resolved with *at() calls relative to O_PATH descriptors
/// without following symlinks; descriptors are reopened for I/O through /proc/self/fd.
/// Thread-safe: tables sit behind mutexes that are never held across a blocking syscall.
///
/// Create it in the process that serves, after any fork (sandbox setup): /proc/self/fd is
/// opened once, here, and names this process's descriptor table. A forked child refuses to
/// reopen through it (EBADF) rather than reach the parent's descriptors. A chroot/pivot_root
/// afterwards is fine. Sets the process umask to 0 (modes arrive masked from the guest).
public final class PassthroughFS: Sendable {
    public let config: PassthroughConfig
    public let policy: CachePolicy
    let logger: Logger
    let procSelfFD: FileDescriptor
    let inodes: InodeTable
    /// The shared directory's identity: whatever name reaches it is node 1, so `..` from any
    /// other node id of it cannot climb out (file handles would otherwise make a second node).
    let rootKey: InodeKey
    let handles: HandleTable
    /// One descriptor per mount seen, for open_by_handle_at.
    let mountFDs = Mutex<[UInt64: FileDescriptor]>([:])
    /// The fork generation (`strait_fork_generation`) of the process whose /proc/self/fd
    /// `procSelfFD` is: a forked child sees another and refuses to reopen through it.
    let creatorForks: UInt32
    /// Credentials can only be switched (setfsuid) when we run as root.
    let canSwitchCredentials: Bool
    /// The daemon's own ids, which a thread's fsuid/fsgid are at rest: a request from a caller
    /// with these ids needs no switch (straitd never changes its euid/egid after this point).
    let ownUID: uid_t
    let ownGID: gid_t

    public init(config: PassthroughConfig, logger: Logger = Logger(label: "strait.passthrough"))
        throws(FSError)
    {
        self.config = config
        self.policy = CachePolicy(mode: config.cache, timeout: config.timeout)
        self.logger = logger
        self.handles = HandleTable()
        self.canSwitchCredentials = geteuid() == 0
        self.ownUID = geteuid()
        self.ownGID = getegid()
        self.creatorForks = strait_fork_generation()
        procSelfFD = try sysFD("open /proc/self/fd") {
            if let inherited = config.procSelfFD { return fcntl(inherited, F_DUPFD_CLOEXEC, 0) }
            return Glibc.open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC)
        }
        let rootFD = try sysFD("open shared directory \(config.root)") {
            Glibc.open(config.root, O_PATH | O_DIRECTORY | O_CLOEXEC)
        }
        let (st, mountID) = try Self.statx(rootFD)
        let key = InodeKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino), mountID: mountID)
        // The root keeps its O_PATH fd even in file-handle mode: it is the anchor of everything.
        let root = Inode(node: InodeTable.rootNode, key: key, fileType: st.st_mode & FileType.mask,
                         fd: rootFD, handle: nil)
        inodes = InodeTable(root: root)
        rootKey = key
        if config.inodeFileHandles != .never {
            let mountFD = try sysFD("open shared directory \(config.root)") {
                Glibc.open(config.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            }
            mountFDs.withLock { $0[mountID] = mountFD }
        }
        // Modes from the guest are already masked (or masked by us): the process umask must not
        // mask them again. virtiofsd does the same.
        umask(0)
        logger.info("serving \(config.root)", metadata: [
            "cache": "\(config.cache.rawValue)", "inode-file-handles": "\(config.inodeFileHandles.rawValue)",
            "xattr": "\(config.xattr)", "xattrmap": "\(config.xattrMap != nil)",
            "credentials": "\(canSwitchCredentials ? "per request" : "daemon's own")",
        ])
    }

    // MARK: - Table access

    func inode(_ node: UInt64) throws(FSError) -> Inode {
        guard let inode = inodes.get(node) else { throw .badNode(node) }
        return inode
    }

    func handle(_ id: UInt64) throws(FSError) -> Handle {
        guard let handle = handles.get(id) else { throw .badHandle(id) }
        return handle
    }

    /// Number of nodes the guest holds (root included); for tests and stats.
    public var nodeCount: Int { inodes.count }
    /// Number of open handles; for tests and stats.
    public var handleCount: Int { handles.count }
    /// The guest's lookup count of `node`, nil if unknown.
    public func lookupCount(node: UInt64) -> UInt64? { inodes.lookups(node) }

    /// The raw descriptor of an open handle (for DAX mappings). Valid while the handle is open.
    public func fd(forHandle id: UInt64) throws(FSError) -> Int32 {
        try handle(id).fd.raw
    }

    /// A new read-write descriptor on a regular file, for a DAX mapping (the VMM maps it shared
    /// and writable, whatever mode the guest opened it in); the caller closes it. Linux sends
    /// SETUPMAPPING with fh = -1: the node names the file, a handle only when one is given.
    ///
    /// A `writable` mapping with killpriv_v2 clears set-user-id/set-group-id first: the guest
    /// writes through the window without a WRITE, and under killpriv_v2 its own kill (a SETATTR
    /// of the mode) is left to the server, so the map is where the server sees the write coming
    /// (as a host mmap write kills nothing per store either).
    public func daxDescriptor(node: UInt64, handle id: UInt64?, writable: Bool = false) throws(FSError) -> Int32 {
        let inode: Inode
        if let id { inode = try handle(id).inode } else { inode = try self.inode(node) }
        guard inode.isRegular else { throw FSError(errno: EINVAL, message: "DAX mapping of a non-regular file") }
        if writable && config.killprivV2 { try killPrivileges(inode) }
        let fd = try reopen(inode, flags: O_RDWR)
        let owned = fcntl(fd.raw, F_DUPFD_CLOEXEC, 0)
        guard owned >= 0 else { throw FSError(errno: errno, message: "dup for DAX") }
        return owned
    }

    // MARK: - Descriptors

    /// An O_PATH descriptor for the inode: its own, or one opened from its file handle.
    func pathFD(_ inode: Inode) throws(FSError) -> FileDescriptor {
        if let fd = inode.fd { return fd }
        return try openHandle(inode, flags: O_PATH)
    }

    /// A new descriptor for I/O on the inode. O_PATH fds are reopened through /proc/self/fd, so
    /// the open reaches exactly the pinned inode, never a path from the root.
    /// Only regular files and directories are ever opened: a FIFO would block the calling thread
    /// on host state the guest controls, and a device node would hand the guest a host device
    /// (CVE-2020-35517). Special files are reached through their O_PATH descriptor only.
    func reopen(_ inode: Inode, flags: Int32) throws(FSError) -> FileDescriptor {
        guard inode.isRegular || inode.isDirectory else {
            throw FSError(errno: EBADF, message: "refusing to open special file (node \(inode.node))")
        }
        let flags = (flags | O_CLOEXEC) & ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW)
        if let fd = inode.fd {
            let name = fd.procName
            return try sysFD("reopen node \(inode.node)") { openat(procDir, name, flags) }
        }
        return try openHandle(inode, flags: flags)
    }

    /// The /proc/self/fd directory for *at() calls naming our descriptors. In a forked child it
    /// would name the parent's table, so there it is -1 and every such call fails with EBADF.
    var procDir: Int32 {
        strait_fork_generation() == creatorForks ? procSelfFD.raw : -1
    }

    private func openHandle(_ inode: Inode, flags: Int32) throws(FSError) -> FileDescriptor {
        guard let handle = inode.handle else { throw FSError(errno: EBADF, message: "node has no fd") }
        guard let mountFD = mountFDs.withLock({ $0[handle.mountID] }) else {
            throw FSError(errno: ESTALE, message: "no descriptor for mount \(handle.mountID)")
        }
        return try sysFD("open_by_handle_at node \(inode.node)") {
            strait_open_by_handle(mountFD.raw, handle.type, handle.bytes, Int32(handle.bytes.count),
                                  flags | O_CLOEXEC)
        }
    }

    static func statx(_ fd: FileDescriptor) throws(FSError) -> (stat, UInt64) {
        var st = stat()
        var mountID: UInt64 = 0
        _ = try sys("statx") {
            strait_statx(fd.raw, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, &st, &mountID)
        }
        return (st, mountID)
    }

    // MARK: - Credentials

    /// Runs `body` with the calling thread's fsuid/fsgid set to the guest caller's, so new files
    /// get the guest's owner and the host kernel checks the guest's permissions. setfsuid is per
    /// thread on Linux; the previous ids are restored before returning. A caller with the daemon's
    /// own ids (root in the guest, root here) runs as is: the switch would change nothing, and
    /// costs four system calls per MKDIR/CREATE (the Rust virtiofsd skips it for root too).
    func asCaller<T>(_ cred: Credentials?, _ body: () throws(FSError) -> T) throws(FSError) -> T {
        guard canSwitchCredentials, let cred, cred.uid != ownUID || cred.gid != ownGID else { return try body() }
        let oldGID = strait_setfsgid(cred.gid)
        let oldUID = strait_setfsuid(cred.uid)
        defer {
            _ = strait_setfsuid(UInt32(bitPattern: oldUID))
            _ = strait_setfsgid(UInt32(bitPattern: oldGID))
        }
        return try body()
    }
}

// Linux constants Glibc's Swift module does not export (GNU extensions); values from the shim.
let O_PATH = strait_O_PATH
let O_TMPFILE = strait_O_TMPFILE
let O_DIRECT = strait_O_DIRECT
let AT_EMPTY_PATH = strait_AT_EMPTY_PATH
