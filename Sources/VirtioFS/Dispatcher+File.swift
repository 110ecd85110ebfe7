import FUSE
import Glibc
import Passthrough

/// Open files: open/create, data straight between the file and guest memory, and the rest.
extension FuseDispatcher {
    func open(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let o = try a.decode(FuseOpenIn.self)
        let killpriv = config.killprivV2 && o.openFlags & FuseFlag.openKillSuidgid != 0
        let result = try fs.open(node: r.node, flags: Int32(bitPattern: o.flags), cred: r.cred, killpriv: killpriv)
        return .ok(openOut(result).bytes)
    }

    func create(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let c = try a.decode(FuseCreateIn.self)
        let name = try a.name()
        let (entry, opened) = try fs.create(parent: r.node, name: name, mode: c.mode,
                                            flags: Int32(bitPattern: c.flags), umask: c.umask, cred: r.cred)
        return .ok(Array(entryOut(entry).bytes.prefix(r.session.entryOutSize)) + openOut(opened).bytes)
    }

    /// TMPFILE carries a create_in and a placeholder name that the host does not need.
    func tmpfile(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let c = try a.decode(FuseCreateIn.self)
        let (entry, opened) = try fs.tmpfile(parent: r.node, mode: c.mode, flags: Int32(bitPattern: c.flags),
                                             umask: c.umask, cred: r.cred)
        return .ok(Array(entryOut(entry).bytes.prefix(r.session.entryOutSize)) + openOut(opened).bytes)
    }

    /// READ: preadv straight into the writable guest buffers after the out header.
    func read(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseReadIn.self)
        let room = r.buffers.writableCount - FuseOutHeader.size
        guard room >= 0 else { throw FSError(errno: EINVAL, message: "no room for the out header") }
        let count = min(Int(x.size), room)
        guard count > 0 else { return .placed(count: 0) }
        let n = try r.buffers.withWritableIovecs(from: FuseOutHeader.size, count: count) { (p) throws(FSError) -> Int in
            try fs.read(handle: x.fh, offset: x.offset, into: p)
        }
        guard let n else { throw FSError(errno: EINVAL, message: "writable buffers") }
        return .placed(count: n)
    }

    /// WRITE: pwritev straight from the readable guest buffers after header + write_in.
    func write(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseWriteIn.self, size: r.session.writeInSize)
        let start = FuseInHeader.size + r.session.writeInSize
        let count = Int(x.size)
        guard start + count <= r.total else {
            throw FSError(errno: EINVAL, message: "write of \(count) bytes, request holds \(r.total - start)")
        }
        let killpriv = config.killprivV2 && x.writeFlags & FuseFlag.writeKillSuidgid != 0
        let written = try r.buffers.withReadableIovecs(from: start, count: count) { (p) throws(FSError) -> Int in
            try fs.write(handle: x.fh, offset: x.offset, from: p, killpriv: killpriv)
        }
        guard let n = written else { throw FSError(errno: EINVAL, message: "readable buffers") }
        syncDax(handle: x.fh)
        return Self.place(FuseWriteOut(size: UInt32(clamping: n)), size: FuseWriteOut.size, r.buffers)
    }

    func release(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseReleaseIn.self)
        cancelWaiters { $0.handle == x.fh }
        let owner = x.releaseFlags & FuseFlag.releaseFlush != 0 ? x.lockOwner : nil
        try fs.release(handle: x.fh, lockOwner: owner,
                       flockRelease: x.releaseFlags & FuseFlag.releaseFlockUnlock != 0)
        return .ok([])
    }

    func flush(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseFlushIn.self)
        try fs.flush(handle: x.fh, lockOwner: x.lockOwner)
        return .ok([])
    }

    func fsync(_ r: Request, _ a: inout ByteCursor, directory: Bool) throws(FSError) -> Reply {
        let x = try a.decode(FuseFsyncIn.self)
        let dataOnly = x.fsyncFlags & FuseFlag.fsyncFdatasync != 0
        if directory {
            try fs.fsyncdir(handle: x.fh, dataOnly: dataOnly)
        } else {
            try fs.fsync(handle: x.fh, dataOnly: dataOnly)
        }
        return .ok([])
    }

    func fallocate(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseFallocateIn.self)
        try fs.fallocate(handle: x.fh, offset: x.offset, length: x.length, mode: Int32(bitPattern: x.mode))
        syncDax(handle: x.fh)
        return .ok([])
    }

    func lseek(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseLseekIn.self)
        let offset = try fs.lseek(handle: x.fh, offset: x.offset, whence: Int32(bitPattern: x.whence))
        return .ok(FuseLseekOut(offset: offset).bytes)
    }

    func copyFileRange(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseCopyFileRangeIn.self)
        guard x.flags <= UInt64(UInt32.max) else { throw FSError(errno: EINVAL, message: "copy_file_range flags") }
        // The reply's size is 32 bits: never copy more than it can report.
        let n = try fs.copyFileRange(inHandle: x.fhIn, inOffset: x.offIn, outHandle: x.fhOut, outOffset: x.offOut,
                                     length: min(x.len, UInt64(UInt32.max & ~4095)), flags: UInt32(x.flags))
        syncDax(handle: x.fhOut)
        return Self.place(FuseWriteOut(size: UInt32(clamping: n)), size: FuseWriteOut.size, r.buffers)
    }

    /// A request grew (or shrank) the file behind `handle` and the guest will take the new size
    /// from it without asking: bring the file's DAX mappings to it before the reply.
    func syncDax(handle: UInt64) {
        guard let dax = daxMappings, let fd = try? fs.fd(forHandle: handle) else { return }
        dax.sync(fd: fd)
    }
}
