import CShims
import Glibc

extension PassthroughFS {
    static let xattrSizeMax = 65536
    static let aclAccess = Array("system.posix_acl_access".utf8)
    static let aclDefault = Array("system.posix_acl_default".utf8)

    public func getxattr(node: UInt64, name: [UInt8], size: UInt32) throws(FSError) -> XattrReply {
        let hostName = try mapName(name, getting: true)
        let inode = try inode(node)
        let size = min(Int(size), Self.xattrSizeMax)
        var buffer = [UInt8](repeating: 0, count: size)
        let n = try withXattrTarget(inode) { (fd, path) throws(FSError) -> Int in
            try sys("getxattr") {
                buffer.withUnsafeMutableBytes { strait_getxattr(fd, path, hostName, $0.baseAddress, size) }
            }
        }
        return size == 0 ? .size(n) : .data(Array(buffer.prefix(n)))
    }

    public func setxattr(node: UInt64, name: [UInt8], value: [UInt8], flags: Int32,
                         cred: Credentials? = nil) throws(FSError)
    {
        let hostName = try mapName(name, getting: false)
        guard value.count <= Self.xattrSizeMax else { throw FSError(errno: E2BIG, message: "xattr value") }
        let inode = try inode(node)
        _ = try withXattrTarget(inode) { (fd, path) throws(FSError) -> Int32 in
            try sys("setxattr") {
                value.withUnsafeBytes { strait_setxattr(fd, path, hostName, $0.baseAddress, $0.count, flags) }
            }
        }
        // Setting an access ACL as someone outside the owning group drops set-group-id (the
        // kernel's posix_acl_update_mode); we run with CAP_FSETID, so do it ourselves.
        if config.posixACL, name == Self.aclAccess, let cred, cred.uid != 0 {
            let fd = try pathFD(inode)
            let (st, _) = try Self.statx(fd)
            if st.st_gid != cred.gid && st.st_mode & Mode.sgid != 0 {
                let procName = fd.procName
                _ = try sys("chmod (clear sgid)") {
                    fchmodat(procDir, procName, mode_t(st.st_mode & 0o7777 & ~Mode.sgid), 0)
                }
            }
        }
    }

    public func removexattr(node: UInt64, name: [UInt8]) throws(FSError) {
        let hostName = try mapName(name, getting: false)
        let inode = try inode(node)
        _ = try withXattrTarget(inode) { (fd, path) throws(FSError) -> Int32 in
            try sys("removexattr") { strait_removexattr(fd, path, hostName) }
        }
    }

    /// LISTXATTR, with host names mapped back (and hidden) through the xattrmap; the size
    /// reported for a size-0 query is the mapped size.
    public func listxattr(node: UInt64, size: UInt32) throws(FSError) -> XattrReply {
        guard config.xattr || config.posixACL else { throw FSError(errno: ENOSYS, message: "xattr off") }
        let inode = try inode(node)
        let filtering = config.xattrMap != nil || !config.xattr
        if !filtering && size == 0 {
            let n = try withXattrTarget(inode) { (fd, path) throws(FSError) -> Int in
                try sys("listxattr") { strait_listxattr(fd, path, nil, 0) }
            }
            return .size(n)
        }
        var list = try fullList(inode)
        if filtering { list = mapList(list) }
        if size == 0 { return .size(list.count) }
        guard list.count <= Int(size) else { throw FSError(errno: ERANGE, message: "listxattr") }
        return .data(list)
    }

    private func fullList(_ inode: Inode) throws(FSError) -> [UInt8] {
        for _ in 0..<4 {
            let needed = try withXattrTarget(inode) { (fd, path) throws(FSError) -> Int in
                try sys("listxattr") { strait_listxattr(fd, path, nil, 0) }
            }
            if needed == 0 { return [] }
            var buffer = [UInt8](repeating: 0, count: needed)
            do {
                let n = try withXattrTarget(inode) { (fd, path) throws(FSError) -> Int in
                    try sys("listxattr") {
                        buffer.withUnsafeMutableBytes {
                            strait_listxattr(fd, path, $0.baseAddress?.assumingMemoryBound(to: CChar.self), needed)
                        }
                    }
                }
                return Array(buffer.prefix(n))
            } catch where error.errno == ERANGE {
                continue  // grew in between; ask again
            }
        }
        throw FSError(errno: ERANGE, message: "listxattr kept growing")
    }

    private func mapList(_ list: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for name in list.split(separator: 0, omittingEmptySubsequences: true) {
            let name = Array(name)
            if !config.xattr && name != Self.aclAccess && name != Self.aclDefault { continue }
            let mapped = config.xattrMap.map { $0.mapServer(name) } ?? name
            if let mapped, !mapped.isEmpty { out += mapped + [0] }
        }
        return out
    }

    /// Checks that xattrs are enabled for `name` and maps it to the host name (C string).
    private func mapName(_ name: [UInt8], getting: Bool) throws(FSError) -> [CChar] {
        let isACL = name == Self.aclAccess || name == Self.aclDefault
        if !config.xattr && !(config.posixACL && isACL) {
            throw FSError(errno: config.posixACL ? EOPNOTSUPP : ENOSYS, message: "xattrs disabled")
        }
        if name.isEmpty { throw FSError(errno: ERANGE, message: "empty xattr name") }
        var hostName = name
        if let map = config.xattrMap {
            switch map.mapClient(name) {
            case .name(let mapped): hostName = mapped
            case .denied(let code):
                throw FSError(errno: getting && code == EPERM ? ENODATA : code, message: "xattrmap")
            }
        }
        guard hostName.count <= 255 else { throw FSError(errno: ERANGE, message: "xattr name too long") }
        return try Names.bytes(hostName, what: "xattr name")
    }

    /// Runs an xattr call on the inode: regular files and directories through a reopened fd
    /// (f*xattr), other types by the name of their O_PATH descriptor relative to /proc/self/fd,
    /// which reaches the inode itself without following a symlink's target and without opening
    /// a FIFO or device.
    func withXattrTarget<T>(_ inode: Inode, _ body: (Int32, UnsafePointer<CChar>?) throws(FSError) -> T)
        throws(FSError) -> T
    {
        if inode.isRegular || inode.isDirectory {
            let fd = try reopen(inode, flags: O_RDONLY | O_NONBLOCK | (inode.isDirectory ? O_DIRECTORY : 0))
            return try body(fd.raw, nil)
        }
        let fd = try pathFD(inode)
        let name = Array(fd.procName.utf8CString)
        return try withExtendedLifetime(fd) { () throws(FSError) -> T in
            try name.withUnsafeBufferPointer { (buf) throws(FSError) -> T in
                try body(procDir, buf.baseAddress)
            }
        }
    }
}
