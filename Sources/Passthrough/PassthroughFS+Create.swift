import CShims
import Glibc

extension PassthroughFS {
    public func mkdir(parent: UInt64, name: [UInt8], mode: UInt32, umask: UInt32,
                      cred: Credentials? = nil) throws(FSError) -> Entry
    {
        let (dir, dirFD, cname) = try resolveParent(parent, name)
        let mode = try effectiveMode(mode, umask: umask, dirFD: dirFD)
        _ = try asCaller(cred) { () throws(FSError) in
            try sys("mkdirat") { mkdirat(dirFD.raw, cname, mode_t(mode & 0o7777)) }
        }
        return try lookup(in: dirFD, cname: cname, parentMountID: dir.key.mountID, created: true)
    }

    public func mknod(parent: UInt64, name: [UInt8], mode: UInt32, rdev: UInt32, umask: UInt32,
                      cred: Credentials? = nil) throws(FSError) -> Entry
    {
        let (dir, dirFD, cname) = try resolveParent(parent, name)
        let perms = try effectiveMode(mode & 0o7777, umask: umask, dirFD: dirFD)
        let mode = (mode & FileType.mask) | perms
        _ = try asCaller(cred) { () throws(FSError) in
            try sys("mknodat") { mknodat(dirFD.raw, cname, mode_t(mode), dev_t(rdev)) }
        }
        return try lookup(in: dirFD, cname: cname, parentMountID: dir.key.mountID, created: true)
    }

    /// The target is stored as given: the guest resolves it in its own namespace; we never follow it.
    public func symlink(parent: UInt64, name: [UInt8], target: [UInt8], cred: Credentials? = nil)
        throws(FSError) -> Entry
    {
        let (dir, dirFD, cname) = try resolveParent(parent, name)
        if target.isEmpty { throw FSError(errno: ENOENT, message: "empty symlink target") }
        if target.count >= Int(PATH_MAX) { throw FSError(errno: ENAMETOOLONG, message: "symlink target") }
        let ctarget = try Names.bytes(target, what: "symlink target")
        _ = try asCaller(cred) { () throws(FSError) in
            try sys("symlinkat") { symlinkat(ctarget, dirFD.raw, cname) }
        }
        return try lookup(in: dirFD, cname: cname, parentMountID: dir.key.mountID, created: true)
    }

    /// Creates and opens a regular file as the caller; +1 lookup and a new handle.
    /// The open is O_EXCL, so it never opens what is already there: an existing name (without
    /// the guest's O_EXCL) is looked up and opened as OPEN would, which refuses FIFOs and device
    /// nodes instead of blocking on them or handing them out (CVE-2020-35517).
    public func create(parent: UInt64, name: [UInt8], mode: UInt32, flags: Int32, umask: UInt32,
                       cred: Credentials? = nil) throws(FSError) -> (Entry, OpenResult)
    {
        let (dir, dirFD, cname) = try resolveParent(parent, name)
        let mode = try effectiveMode(mode & 0o7777, umask: umask, dirFD: dirFD)
        let flags = openFlags(flags) & ~O_TMPFILE
        do throws(FSError) {
            let fd = try asCaller(cred) { () throws(FSError) in
                try sysFD("create") {
                    Beneath.openat(dirFD.raw, cname, flags | O_CREAT | O_EXCL | O_NOFOLLOW, mode_t(mode))
                }
            }
            return try registerOpened(fd, flags: flags | O_CREAT | O_EXCL, parentMountID: dir.key.mountID)
        } catch where error.errno == EEXIST && flags & O_EXCL == 0 {
            return try openExisting(in: dirFD, cname: cname, parentMountID: dir.key.mountID,
                                    flags: flags & ~O_CREAT, cred: cred)
        }
    }

    /// CREATE of a name that exists: a lookup (+1) and an OPEN of what it found.
    private func openExisting(in dirFD: FileDescriptor, cname: [CChar], parentMountID: UInt64,
                              flags: Int32, cred: Credentials?) throws(FSError) -> (Entry, OpenResult)
    {
        let entry = try lookup(in: dirFD, cname: cname, parentMountID: parentMountID)
        do throws(FSError) {
            let inode = try inode(entry.node)
            if inode.isDirectory { throw FSError(errno: EISDIR, message: "create of a directory") }
            return (entry, try open(node: entry.node, flags: flags, cred: cred))
        } catch {
            forget(node: entry.node, count: 1)
            throw error
        }
    }

    /// O_TMPFILE: an unnamed regular file in `parent`, owned by the caller.
    public func tmpfile(parent: UInt64, mode: UInt32, flags: Int32, umask: UInt32,
                        cred: Credentials? = nil) throws(FSError) -> (Entry, OpenResult)
    {
        let dir = try inode(parent)
        guard dir.isDirectory else { throw FSError(errno: ENOTDIR, message: "tmpfile parent") }
        let dirFD = try pathFD(dir)
        let mode = try effectiveMode(mode & 0o7777, umask: umask, dirFD: dirFD)
        var flags = openFlags(flags) & ~(O_CREAT | O_EXCL | O_TRUNC | O_APPEND)
        if flags & O_ACCMODE == O_RDONLY { flags |= O_RDWR }
        flags |= O_TMPFILE
        let fd = try asCaller(cred) { () throws(FSError) in
            try sysFD("O_TMPFILE") { openat(dirFD.raw, ".", flags, mode_t(mode)) }
        }
        return try registerOpened(fd, flags: flags, parentMountID: dir.key.mountID)
    }

    /// Registers a freshly opened file by its descriptor (not by name: the name may already be
    /// gone or replaced) and wraps the descriptor in a handle.
    private func registerOpened(_ fd: FileDescriptor, flags: Int32, parentMountID: UInt64)
        throws(FSError) -> (Entry, OpenResult)
    {
        let name = fd.procName
        let pathFD = try sysFD("O_PATH of created file") {
            openat(procDir, name, O_PATH | O_CLOEXEC)
        }
        let entry = try register(pathFD, parentMountID: parentMountID)
        guard let inode = inodes.get(entry.node) else { throw .badNode(entry.node) }
        let id = handles.insert(Handle(fd: fd, inode: inode, flags: flags))
        return (entry, openResult(id, flags: flags))
    }

    /// Validated parent directory, its O_PATH fd and the name as a C string.
    func resolveParent(_ parent: UInt64, _ name: [UInt8]) throws(FSError)
        -> (Inode, FileDescriptor, [CChar])
    {
        let cname = try Names.component(name)
        let dir = try inode(parent)
        guard dir.isDirectory else { throw FSError(errno: ENOTDIR, message: "parent not a directory") }
        return (dir, try pathFD(dir), cname)
    }

    /// The guest's umask applies unless POSIX ACLs are on and the parent has a default ACL,
    /// which then decides the permissions (the kernel masks the mode with it).
    func effectiveMode(_ mode: UInt32, umask: UInt32, dirFD: FileDescriptor) throws(FSError) -> UInt32 {
        if config.posixACL && hasDefaultACL(dirFD) { return mode }
        return mode & ~umask
    }

    private func hasDefaultACL(_ dirFD: FileDescriptor) -> Bool {
        let name = dirFD.procName
        guard let fd = try? sysFD("reopen directory", { openat(procDir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC) })
        else { return false }
        return strait_getxattr(fd.raw, nil, "system.posix_acl_default", nil, 0) > 0
    }
}
