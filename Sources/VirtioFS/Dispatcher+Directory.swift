import FUSE
import Glibc
import Passthrough

/// Directories: open, list (packed into the guest's buffer), release, sync.
extension FuseDispatcher {
    func opendir(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        _ = try a.decode(FuseOpenIn.self)
        return .ok(openOut(try fs.opendir(node: r.node)).bytes)
    }

    /// READDIR / READDIRPLUS: as many records as fit in min(size, writable room); an entry that
    /// does not fit is left for the next call (the guest resumes from the last `off`).
    func readdir(_ r: Request, _ a: inout ByteCursor, plus: Bool) throws(FSError) -> Reply {
        let x = try a.decode(FuseReadIn.self)
        let room = max(r.buffers.writableCount - FuseOutHeader.size, 0)
        var packer = FuseDirentWriter(capacity: min(Int(x.size), room))
        try fs.readdir(handle: x.fh, offset: x.offset, plus: plus) { dirent, entry in
            let d = FuseDirent(ino: dirent.ino, off: dirent.nextOffset, namelen: UInt32(dirent.name.count),
                               type: dirent.type)
            guard plus else { return packer.append(d, name: dirent.name) }
            // "." and ".." (and names that vanished meanwhile) carry node 0: the guest skips them.
            let e = entry.map { entryOut($0) } ?? FuseEntryOut(attr: FuseAttr(ino: dirent.ino, mode: dirent.type << 12))
            return packer.appendPlus(e, d, name: dirent.name)
        }
        return .ok(packer.bytes)
    }

    func releasedir(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseReleaseIn.self)
        try fs.releasedir(handle: x.fh)
        return .ok([])
    }
}

/// Extended attributes.
extension FuseDispatcher {
    func setxattr(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        var x: FuseSetxattrIn
        do throws(WireError) {
            x = try FuseSetxattrIn(from: &a, extended: r.session.setxattrExt)
        } catch {
            throw FSError(errno: EINVAL, message: "setxattr_in: \(error.message)")
        }
        let name = try a.name()
        let value = try a.bytes(Int(x.size))
        try fs.setxattr(node: r.node, name: name, value: value, flags: Int32(bitPattern: x.flags), cred: r.cred)
        return .ok([])
    }

    func getxattr(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseGetxattrIn.self)
        let name = try a.name()
        return xattrReply(try fs.getxattr(node: r.node, name: name, size: x.size))
    }

    func listxattr(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseGetxattrIn.self)
        return xattrReply(try fs.listxattr(node: r.node, size: x.size))
    }

    func removexattr(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        try fs.removexattr(node: r.node, name: try a.name())
        return .ok([])
    }

    private func xattrReply(_ x: XattrReply) -> Reply {
        switch x {
        case .size(let n): .ok(FuseGetxattrOut(size: UInt32(clamping: n)).bytes)
        case .data(let bytes): .ok(bytes)
        }
    }
}
