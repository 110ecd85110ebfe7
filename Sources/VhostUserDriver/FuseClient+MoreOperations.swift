import FUSE
import Glibc

/// The rest of the opcodes a guest uses, typed the same way (for protocol tests of any daemon).
extension FuseClient {
    public func symlink(parent: UInt64, name: String, target: String) throws(DriverError) -> FuseEntryOut {
        let body = try checked(call(opcode: .symlink, nodeid: parent, args: Self.name(name) + Self.name(target),
                                    replyCapacity: FuseEntryOut.size), "SYMLINK \(name)")
        return try decode(FuseEntryOut.self, body, "SYMLINK")
    }

    public func readlink(node: UInt64) throws(DriverError) -> [UInt8] {
        try checked(call(opcode: .readlink, nodeid: node, replyCapacity: 4096), "READLINK")
    }

    public func mknod(parent: UInt64, name: String, mode: UInt32, rdev: UInt32 = 0) throws(DriverError) -> FuseEntryOut {
        let args = FuseMknodIn(mode: mode, rdev: rdev, umask: 0o022).bytes + Self.name(name)
        let body = try checked(call(opcode: .mknod, nodeid: parent, args: args, replyCapacity: FuseEntryOut.size), "MKNOD \(name)")
        return try decode(FuseEntryOut.self, body, "MKNOD")
    }

    public func link(node: UInt64, newParent: UInt64, newName: String) throws(DriverError) -> FuseEntryOut {
        let args = FuseLinkIn(oldnodeid: node).bytes + Self.name(newName)
        let body = try checked(call(opcode: .link, nodeid: newParent, args: args, replyCapacity: FuseEntryOut.size), "LINK \(newName)")
        return try decode(FuseEntryOut.self, body, "LINK")
    }

    /// RENAME2 with RENAME_NOREPLACE (1), RENAME_EXCHANGE (2) or RENAME_WHITEOUT (4).
    public func rename2(parent: UInt64, name: String, newParent: UInt64, newName: String, flags: UInt32) throws(DriverError) {
        let args = FuseRename2In(newdir: newParent, flags: flags).bytes + Self.name(name) + Self.name(newName)
        _ = try checked(call(opcode: .rename2, nodeid: parent, args: args, replyCapacity: 0), "RENAME2 \(name)")
    }

    public func access(node: UInt64, mask: UInt32) throws(DriverError) {
        _ = try checked(call(opcode: .access, nodeid: node, args: FuseAccessIn(mask: mask).bytes, replyCapacity: 0), "ACCESS")
    }

    /// SETXATTR in the layout INIT negotiated (extended with FUSE_SETXATTR_EXT).
    public func setxattr(node: UInt64, name: String, value: [UInt8], flags: UInt32 = 0) throws(DriverError) {
        var w = ByteWriter(capacity: 16)
        FuseSetxattrIn(size: UInt32(value.count), flags: flags).encode(into: &w, extended: session?.setxattrExt ?? false)
        let args = w.bytes + Self.name(name) + value
        _ = try checked(call(opcode: .setxattr, nodeid: node, args: args, replyCapacity: 0), "SETXATTR \(name)")
    }

    public func getxattr(node: UInt64, name: String, size: Int = 4096) throws(DriverError) -> [UInt8] {
        let args = FuseGetxattrIn(size: UInt32(size)).bytes + Self.name(name)
        return try checked(call(opcode: .getxattr, nodeid: node, args: args, replyCapacity: max(size, FuseGetxattrOut.size)), "GETXATTR \(name)")
    }

    /// The NUL-separated names.
    public func listxattr(node: UInt64, size: Int = 4096) throws(DriverError) -> [String] {
        let body = try checked(call(opcode: .listxattr, nodeid: node, args: FuseGetxattrIn(size: UInt32(size)).bytes,
                                    replyCapacity: max(size, FuseGetxattrOut.size)), "LISTXATTR")
        return body.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    public func removexattr(node: UInt64, name: String) throws(DriverError) {
        _ = try checked(call(opcode: .removexattr, nodeid: node, args: Self.name(name), replyCapacity: 0), "REMOVEXATTR \(name)")
    }

    public func fallocate(node: UInt64, handle: UInt64, offset: UInt64, length: UInt64, mode: UInt32 = 0) throws(DriverError) {
        let args = FuseFallocateIn(fh: handle, offset: offset, length: length, mode: mode).bytes
        _ = try checked(call(opcode: .fallocate, nodeid: node, args: args, replyCapacity: 0), "FALLOCATE")
    }

    public func lseek(node: UInt64, handle: UInt64, offset: UInt64, whence: Int32) throws(DriverError) -> UInt64 {
        let args = FuseLseekIn(fh: handle, offset: offset, whence: UInt32(whence)).bytes
        let body = try checked(call(opcode: .lseek, nodeid: node, args: args, replyCapacity: FuseLseekOut.size), "LSEEK")
        return try decode(FuseLseekOut.self, body, "LSEEK").offset
    }

    public func copyFileRange(node: UInt64, handle: UInt64, offset: UInt64, toNode: UInt64, toHandle: UInt64,
                              toOffset: UInt64, length: UInt64) throws(DriverError) -> UInt32 {
        let args = FuseCopyFileRangeIn(fhIn: handle, offIn: offset, nodeidOut: toNode, fhOut: toHandle, offOut: toOffset, len: length).bytes
        let body = try checked(call(opcode: .copyFileRange, nodeid: node, args: args, replyCapacity: FuseWriteOut.size), "COPY_FILE_RANGE")
        return try decode(FuseWriteOut.self, body, "COPY_FILE_RANGE").size
    }

    public func fsyncdir(node: UInt64, handle: UInt64) throws(DriverError) {
        _ = try checked(call(opcode: .fsyncdir, nodeid: node, args: FuseFsyncIn(fh: handle).bytes, replyCapacity: 0), "FSYNCDIR")
    }

    public func syncfs(node: UInt64 = FuseProtocol.rootID) throws(DriverError) {
        _ = try checked(call(opcode: .syncfs, nodeid: node, args: FuseSyncfsIn().bytes, replyCapacity: 0), "SYNCFS")
    }

    /// GETLK: the conflicting lock, or one of type F_UNLCK.
    public func getlk(node: UInt64, handle: UInt64, owner: UInt64, lock: FuseFileLock) throws(DriverError) -> FuseFileLock {
        let args = FuseLkIn(fh: handle, owner: owner, lk: lock).bytes
        let body = try checked(call(opcode: .getlk, nodeid: node, args: args, replyCapacity: FuseLkOut.size), "GETLK")
        return try decode(FuseLkOut.self, body, "GETLK").lk
    }

    /// SETLK, or SETLKW (`wait`), which may block: use `submit` to keep other requests going.
    /// `flock` selects BSD flock semantics (FUSE_LK_FLOCK).
    public func setlk(node: UInt64, handle: UInt64, owner: UInt64, lock: FuseFileLock, wait: Bool = false, flock: Bool = false) throws(DriverError) {
        let args = FuseLkIn(fh: handle, owner: owner, lk: lock, lkFlags: flock ? FuseFlag.lkFlock : 0).bytes
        _ = try checked(call(opcode: wait ? .setlkw : .setlk, nodeid: node, args: args, replyCapacity: 0), wait ? "SETLKW" : "SETLK")
    }

    /// INTERRUPT of request `unique`, on hiprio; no reply.
    public func interrupt(unique: UInt64) throws(DriverError) {
        _ = try call(opcode: .interrupt, nodeid: 0, args: FuseInterruptIn(unique: unique).bytes, replyCapacity: 0, queue: 0)
    }

    public func destroy() throws(DriverError) {
        _ = try checked(call(opcode: .destroy, nodeid: 0, replyCapacity: 0), "DESTROY")
    }
}
