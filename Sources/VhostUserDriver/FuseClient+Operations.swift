import FUSE
import Glibc

/// Typed FUSE requests: encode with the FUSE module's structs, decode the reply, turn a FUSE
/// error into `DriverError(.fuse, errno:)`.
extension FuseClient {
    /// INIT flags a Linux 6.1 guest offers (plus map alignment, which a DAX guest adds).
    public static let guestInitFlags: FuseInitFlags = [
        .asyncRead, .posixLocks, .atomicOTrunc, .exportSupport, .bigWrites, .dontMask, .flockLocks,
        .autoInvalData, .doReaddirplus, .readdirplusAuto, .asyncDIO, .parallelDirops, .handleKillpriv,
        .abortError, .maxPages, .cacheSymlinks, .explicitInvalData, .initExt, .submounts,
        .handleKillprivV2, .setxattrExt, .mapAlignment,
    ]

    func checked(_ reply: Reply, _ what: String) throws(DriverError) -> [UInt8] {
        guard reply.error == 0 else {
            let e = -reply.error
            throw DriverError(.fuse, "\(what): \(String(cString: strerror(e)))", errno: e)
        }
        return reply.body
    }

    func decode<T: FuseStruct>(_ type: T.Type, _ bytes: [UInt8], _ what: String) throws(DriverError) -> T {
        do { return try T(bytes: bytes) } catch {
            throw DriverError(.protocolViolation, "\(what): short or bad reply (\(bytes.count) bytes)", cause: error)
        }
    }

    static func name(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }

    /// FUSE_INIT; must come first. Returns (and keeps) the negotiated session.
    @discardableResult
    public func initialize(flags: FuseInitFlags = FuseClient.guestInitFlags, maxReadahead: UInt32 = 128 << 10) throws(DriverError) -> FuseInitOut {
        let args = FuseInitIn(major: FuseProtocol.kernelVersion, minor: FuseProtocol.kernelMinorVersion,
                              maxReadahead: maxReadahead, flags: flags.low, flags2: flags.high).bytes
        let body = try checked(call(opcode: .`init`, nodeid: 0, args: args, replyCapacity: FuseInitOut.size), "INIT")
        var padded = body
        if padded.count < FuseInitOut.size { padded += [UInt8](repeating: 0, count: FuseInitOut.size - padded.count) }
        let out = try decode(FuseInitOut.self, padded, "INIT")
        guard out.major == FuseProtocol.kernelVersion else {
            throw DriverError(.protocolViolation, "INIT: daemon speaks FUSE \(out.major).\(out.minor)")
        }
        let granted = FuseInitFlags(low: out.flags, high: FuseInitFlags(rawValue: UInt64(out.flags)).contains(.initExt) ? out.flags2 : 0)
        session = FuseSession(major: out.major, minor: out.minor, flags: granted, maxWrite: out.maxWrite, maxReadahead: out.maxReadahead)
        return out
    }

    public func lookup(parent: UInt64, name: String) throws(DriverError) -> FuseEntryOut {
        let body = try checked(call(opcode: .lookup, nodeid: parent, args: Self.name(name), replyCapacity: FuseEntryOut.size), "LOOKUP \(name)")
        return try decode(FuseEntryOut.self, body, "LOOKUP")
    }

    public func getattr(node: UInt64, handle: UInt64? = nil) throws(DriverError) -> FuseAttrOut {
        let args = FuseGetattrIn(getattrFlags: handle == nil ? 0 : 1 /* FUSE_GETATTR_FH */, fh: handle ?? 0).bytes
        let body = try checked(call(opcode: .getattr, nodeid: node, args: args, replyCapacity: FuseAttrOut.size), "GETATTR")
        return try decode(FuseAttrOut.self, body, "GETATTR")
    }

    public func setattr(node: UInt64, _ change: FuseSetattrIn) throws(DriverError) -> FuseAttrOut {
        let body = try checked(call(opcode: .setattr, nodeid: node, args: change.bytes, replyCapacity: FuseAttrOut.size), "SETATTR")
        return try decode(FuseAttrOut.self, body, "SETATTR")
    }

    public func mkdir(parent: UInt64, name: String, mode: UInt32 = 0o755) throws(DriverError) -> FuseEntryOut {
        let args = FuseMkdirIn(mode: mode, umask: 0o022).bytes + Self.name(name)
        let body = try checked(call(opcode: .mkdir, nodeid: parent, args: args, replyCapacity: FuseEntryOut.size), "MKDIR \(name)")
        return try decode(FuseEntryOut.self, body, "MKDIR")
    }

    public func unlink(parent: UInt64, name: String) throws(DriverError) {
        _ = try checked(call(opcode: .unlink, nodeid: parent, args: Self.name(name), replyCapacity: 0), "UNLINK \(name)")
    }

    public func rmdir(parent: UInt64, name: String) throws(DriverError) {
        _ = try checked(call(opcode: .rmdir, nodeid: parent, args: Self.name(name), replyCapacity: 0), "RMDIR \(name)")
    }

    public func rename(parent: UInt64, name: String, newParent: UInt64, newName: String) throws(DriverError) {
        let args = FuseRenameIn(newdir: newParent).bytes + Self.name(name) + Self.name(newName)
        _ = try checked(call(opcode: .rename, nodeid: parent, args: args, replyCapacity: 0), "RENAME \(name)")
    }

    public func open(node: UInt64, flags: Int32 = O_RDWR) throws(DriverError) -> FuseOpenOut {
        let body = try checked(call(opcode: .open, nodeid: node, args: FuseOpenIn(flags: UInt32(bitPattern: flags)).bytes,
                                    replyCapacity: FuseOpenOut.size), "OPEN")
        return try decode(FuseOpenOut.self, body, "OPEN")
    }

    public func create(parent: UInt64, name: String, mode: UInt32 = 0o644, flags: Int32 = O_RDWR | O_CREAT) throws(DriverError) -> (FuseEntryOut, FuseOpenOut) {
        let args = FuseCreateIn(flags: UInt32(bitPattern: flags), mode: S_IFREG | mode, umask: 0o022).bytes + Self.name(name)
        let body = try checked(call(opcode: .create, nodeid: parent, args: args,
                                    replyCapacity: FuseEntryOut.size + FuseOpenOut.size), "CREATE \(name)")
        guard body.count >= FuseEntryOut.size + FuseOpenOut.size else {
            throw DriverError(.protocolViolation, "CREATE reply of \(body.count) bytes")
        }
        return (try decode(FuseEntryOut.self, Array(body[..<FuseEntryOut.size]), "CREATE"),
                try decode(FuseOpenOut.self, Array(body[FuseEntryOut.size...]), "CREATE"))
    }

    public func read(node: UInt64, handle: UInt64, offset: UInt64, size: Int) throws(DriverError) -> [UInt8] {
        let args = FuseReadIn(fh: handle, offset: offset, size: UInt32(size), flags: UInt32(O_RDWR)).bytes
        return try checked(call(opcode: .read, nodeid: node, args: args, replyCapacity: size), "READ")
    }

    /// WRITE with the data copied into a guest buffer first (as the guest's page cache holds it).
    /// `alignment` 4096 stands for a guest O_DIRECT write, whose pinned user pages are the payload.
    public func write(node: UInt64, handle: UInt64, offset: UInt64, data: [UInt8], alignment: Int = 64) throws(DriverError) -> UInt32 {
        let buffer = try allocator.allocate(max(data.count, 1), alignment: alignment)
        defer { allocator.free(buffer) }
        try memory.write(data, at: buffer.gpa)
        let args = FuseWriteIn(fh: handle, offset: offset, size: UInt32(data.count), flags: UInt32(O_RDWR)).bytes
        let payload = data.isEmpty ? [] : [DriverQueue.Segment(gpa: buffer.gpa, length: UInt32(data.count))]
        let body = try checked(call(opcode: .write, nodeid: node, args: args, payload: payload, replyCapacity: FuseWriteOut.size), "WRITE")
        return try decode(FuseWriteOut.self, body, "WRITE").size
    }

    public func flush(node: UInt64, handle: UInt64) throws(DriverError) {
        _ = try checked(call(opcode: .flush, nodeid: node, args: FuseFlushIn(fh: handle).bytes, replyCapacity: 0), "FLUSH")
    }

    public func fsync(node: UInt64, handle: UInt64) throws(DriverError) {
        _ = try checked(call(opcode: .fsync, nodeid: node, args: FuseFsyncIn(fh: handle).bytes, replyCapacity: 0), "FSYNC")
    }

    public func release(node: UInt64, handle: UInt64, flags: Int32 = O_RDWR) throws(DriverError) {
        let args = FuseReleaseIn(fh: handle, flags: UInt32(bitPattern: flags)).bytes
        _ = try checked(call(opcode: .release, nodeid: node, args: args, replyCapacity: 0), "RELEASE")
    }

    public func opendir(node: UInt64) throws(DriverError) -> FuseOpenOut {
        let body = try checked(call(opcode: .opendir, nodeid: node, args: FuseOpenIn(flags: UInt32(O_RDONLY)).bytes,
                                    replyCapacity: FuseOpenOut.size), "OPENDIR")
        return try decode(FuseOpenOut.self, body, "OPENDIR")
    }

    /// One READDIR or READDIRPLUS batch from `offset`; empty at the end.
    public func readdir(node: UInt64, handle: UInt64, offset: UInt64, size: Int = 16384, plus: Bool) throws(DriverError) -> [FuseDirentRecord] {
        let args = FuseReadIn(fh: handle, offset: offset, size: UInt32(size)).bytes
        let body = try checked(call(opcode: plus ? .readdirplus : .readdir, nodeid: node, args: args, replyCapacity: size),
                               plus ? "READDIRPLUS" : "READDIR")
        do { return try FuseDirentRecord.decodeAll(body, plus: plus) } catch {
            throw DriverError(.protocolViolation, "undecodable directory records", cause: error)
        }
    }

    public func releasedir(node: UInt64, handle: UInt64) throws(DriverError) {
        _ = try checked(call(opcode: .releasedir, nodeid: node, args: FuseReleaseIn(fh: handle).bytes, replyCapacity: 0), "RELEASEDIR")
    }

    public func statfs(node: UInt64 = FuseProtocol.rootID) throws(DriverError) -> FuseStatfsOut {
        let body = try checked(call(opcode: .statfs, nodeid: node, replyCapacity: FuseStatfsOut.size), "STATFS")
        return try decode(FuseStatfsOut.self, body, "STATFS")
    }

    /// FORGET on the hiprio queue; no reply, returns once the daemon has consumed the chain.
    public func forget(node: UInt64, count: UInt64) throws(DriverError) {
        _ = try call(opcode: .forget, nodeid: node, args: FuseForgetIn(nlookup: count).bytes, replyCapacity: 0, queue: 0)
    }

    public func batchForget(_ items: [(node: UInt64, count: UInt64)]) throws(DriverError) {
        var args = FuseBatchForgetIn(count: UInt32(items.count)).bytes
        for i in items { args += FuseForgetOne(nodeid: i.node, nlookup: i.count).bytes }
        _ = try call(opcode: .batchForget, nodeid: 0, args: args, replyCapacity: 0, queue: 0)
    }

    /// FUSE_SETUPMAPPING: the daemon maps [foffset, +len) of the open file at window offset `moffset`.
    public func setupMapping(node: UInt64, handle: UInt64, fileOffset: UInt64, length: UInt64, windowOffset: UInt64, writable: Bool = false) throws(DriverError) {
        let flags = FuseFlag.setupmappingRead | (writable ? FuseFlag.setupmappingWrite : 0)
        let args = FuseSetupmappingIn(fh: handle, foffset: fileOffset, len: length, flags: flags, moffset: windowOffset).bytes
        _ = try checked(call(opcode: .setupmapping, nodeid: node, args: args, replyCapacity: 0), "SETUPMAPPING")
    }

    public func removeMapping(node: UInt64, ranges: [(windowOffset: UInt64, length: UInt64)]) throws(DriverError) {
        var args = FuseRemovemappingIn(count: UInt32(ranges.count)).bytes
        for r in ranges { args += FuseRemovemappingOne(moffset: r.windowOffset, len: r.length).bytes }
        _ = try checked(call(opcode: .removemapping, nodeid: node, args: args, replyCapacity: 0), "REMOVEMAPPING")
    }
}
