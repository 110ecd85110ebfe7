import CShims
import Glibc

extension PassthroughFS {
    /// Looks `name` up in directory `parent`; +1 lookup count on the returned node.
    /// ".." at the root stays at the root, so the guest cannot climb out of the share.
    public func lookup(parent: UInt64, name: [UInt8]) throws(FSError) -> Entry {
        var terminated = name
        terminated.append(0)
        return try terminated.withUnsafeBufferPointer { (c) throws(FSError) -> Entry in
            try lookup(parent: parent, cName: c)
        }
    }

    /// The same, with the name still in the request's bytes: `cName` is the name and its NUL
    /// (EINVAL without one), so the daemon neither copies it nor builds a C string per lookup.
    /// The buffer is only read during the call.
    public func lookup(parent: UInt64, cName: UnsafeBufferPointer<UInt8>) throws(FSError) -> Entry {
        guard let base = cName.baseAddress, cName.count > 0, cName[cName.count - 1] == 0 else {
            throw FSError.invalid("name is not NUL-terminated")
        }
        let name = UnsafeBufferPointer(rebasing: cName[0..<cName.count - 1])
        let dir = try inode(parent)
        guard dir.isDirectory else { throw FSError(errno: ENOTDIR, message: "lookup in non-directory") }
        try Names.checkLookupComponent(name)
        let cname = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
        let dots = Names.isDotOrDotDot(name)
        if dots && dir.key == rootKey {
            return try referenceRoot()
        }
        let dirFD = try pathFD(dir)
        if dots {
            // Plain openat: RESOLVE_BENEATH refuses "..". Safe because `dir` is inside the share
            // and not its root, so its parent is inside too; `register` maps the root to node 1.
            let fd = try sysFD("lookup") { openat(dirFD.raw, cname, O_PATH | O_NOFOLLOW | O_CLOEXEC) }
            return try register(fd, parentMountID: dir.key.mountID)
        }
        return try lookup(in: dirFD, cname: cname, parentMountID: dir.key.mountID)
    }

    /// Opens `cname` under `dirFD` as O_PATH without following a final symlink and registers it.
    /// `created`: the name was made by this request (MKDIR, MKNOD, SYMLINK), so its inode is new
    /// and the known-inode statx by name would only miss (one system call per request saved).
    func lookup(in dirFD: FileDescriptor, cname: UnsafePointer<CChar>, parentMountID: UInt64,
                created: Bool = false) throws(FSError) -> Entry
    {
        if !created, let known = try lookupKnown(in: dirFD, cname: cname, parentMountID: parentMountID) {
            return known
        }
        let fd = try sysFD("lookup") {
            Beneath.openat(dirFD.raw, cname, O_PATH | O_NOFOLLOW | O_CLOEXEC)
        }
        return try register(fd, parentMountID: parentMountID)
    }

    /// The fast path for a name whose inode the guest already holds (most lookups: dentry
    /// revalidation, repeated stats): one statx by name instead of openat + statx + close.
    /// Sound because our O_PATH descriptor pins that inode, so its (dev, ino, mount) cannot
    /// belong to another file; with file handles nothing pins it, so only in `never` mode.
    /// nil when the inode is new (the caller opens it); ENOENT as the open would give it.
    private func lookupKnown(in dirFD: FileDescriptor, cname: UnsafePointer<CChar>, parentMountID: UInt64)
        throws(FSError) -> Entry?
    {
        guard config.inodeFileHandles == .never else { return nil }
        var st = stat()
        var mountID: UInt64 = 0
        guard strait_statx(dirFD.raw, cname, AT_SYMLINK_NOFOLLOW | atNoAutomount, &st, &mountID) == 0 else {
            if Glibc.errno == ENOENT { throw FSError(errno: ENOENT, message: "lookup") }
            return nil
        }
        let key = InodeKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino), mountID: mountID)
        guard let inode = inodes.reference(existing: key) else { return nil }
        let submount = config.announceSubmounts && mountID != parentMountID && inode.isDirectory
        return Entry(node: inode.node, generation: 0, attr: st, submount: submount)
    }

    func referenceRoot() throws(FSError) -> Entry {
        guard let root = inodes.reference(node: InodeTable.rootNode) else {
            throw .badNode(InodeTable.rootNode)
        }
        let (st, _) = try Self.statx(try pathFD(root))
        return Entry(node: root.node, generation: 0, attr: st, submount: false)
    }

    /// Turns an O_PATH descriptor into a node (new or existing, +1 lookup).
    func register(_ fd: FileDescriptor, parentMountID: UInt64) throws(FSError) -> Entry {
        let (st, mountID) = try Self.statx(fd)
        let key = InodeKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino), mountID: mountID)
        if key == rootKey { return try referenceRoot() }
        let fileType = st.st_mode & FileType.mask
        let handle = try fileHandle(for: fd, mountID: mountID, fileType: fileType)
        let inode = inodes.reference(key: key, handle: handle) { node in
            Inode(node: node, key: key, fileType: fileType, fd: handle == nil ? fd : nil,
                  handle: handle)
        }
        let submount = config.announceSubmounts && mountID != parentMountID
            && fileType == FileType.directory
        return Entry(node: inode.node, generation: 0, attr: st, submount: submount)
    }

    /// The file handle for `fd` in prefer/mandatory mode (nil in never mode, or in prefer mode
    /// when the file system has none).
    private func fileHandle(for fd: FileDescriptor, mountID: UInt64, fileType: UInt32)
        throws(FSError) -> FileHandle?
    {
        if config.inodeFileHandles == .never { return nil }
        do {
            var type: Int32 = 0
            var mnt: Int32 = 0
            var bytes = [UInt8](repeating: 0, count: 128)
            let n = try sys("name_to_handle_at") {
                strait_name_to_handle(fd.raw, "", AT_EMPTY_PATH, &type, &bytes, 128, &mnt)
            }
            try ensureMountFD(mountID, from: fd, fileType: fileType)
            return FileHandle(type: type, bytes: Array(bytes.prefix(Int(n))), mountID: mountID)
        } catch {
            if config.inodeFileHandles == .mandatory { throw error }
            return nil
        }
    }

    /// open_by_handle_at needs an open (not O_PATH) descriptor on the handle's mount; the first
    /// directory or regular file seen on a mount provides it.
    private func ensureMountFD(_ mountID: UInt64, from fd: FileDescriptor, fileType: UInt32)
        throws(FSError)
    {
        if mountFDs.withLock({ $0[mountID] != nil }) { return }
        guard fileType == FileType.directory || fileType == FileType.regular else {
            throw FSError(errno: EOPNOTSUPP, message: "no descriptor for mount \(mountID)")
        }
        let name = fd.procName
        let flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | (fileType == FileType.directory ? O_DIRECTORY : 0)
        let mountFD = try sysFD("open mount descriptor") { openat(procDir, name, flags) }
        mountFDs.withLock { fds in
            if fds[mountID] == nil { fds[mountID] = mountFD }
        }
    }

    /// Drops `count` lookups of `node` (FORGET / BATCH_FORGET). Unknown nodes are ignored.
    public func forget(node: UInt64, count: UInt64) {
        inodes.forget(node, count: count)
    }

    public func getattr(node: UInt64, handle: UInt64? = nil) throws(FSError) -> stat {
        if let id = handle, let h = handles.get(id), h.inode.node == node {
            var st = stat()
            _ = try sys("fstat") { fstat(h.fd.raw, &st) }
            return st
        }
        return try Self.statx(try pathFD(try inode(node))).0
    }

    public func readlink(node: UInt64) throws(FSError) -> [UInt8] {
        let inode = try inode(node)
        guard inode.isSymlink else { throw FSError.invalid("readlink of non-symlink") }
        let fd = try pathFD(inode)
        var buf = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = try sys("readlinkat") {
            buf.withUnsafeMutableBufferPointer { raw in
                raw.withMemoryRebound(to: CChar.self) { chars in
                    guard let base = chars.baseAddress else { return -1 }
                    return readlinkat(fd.raw, "", base, chars.count)
                }
            }
        }
        return Array(buf.prefix(n))
    }
}

/// Do not trigger an automount by looking at a name (openat with O_PATH does not either).
let atNoAutomount: Int32 = 0x800
