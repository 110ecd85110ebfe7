import FUSE
import Glibc
import Passthrough

/// Namespace and attribute operations.
extension FuseDispatcher {
    func lookup(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let entry = try a.withName { (cName) throws(FSError) in try fs.lookup(parent: r.node, cName: cName) }
        return entryReply(entry, r)
    }

    func forget(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let f = try a.decode(FuseForgetIn.self)
        fs.forget(node: r.node, count: f.nlookup)
        return .none
    }

    func batchForget(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let b = try a.decode(FuseBatchForgetIn.self)
        // Honour as many entries as actually arrived; a lying count must not make us read past them.
        let count = min(Int(b.count), a.remaining / FuseForgetOne.size)
        for _ in 0..<count {
            let one = try a.decode(FuseForgetOne.self)
            fs.forget(node: one.nodeid, count: one.nlookup)
        }
        return .none
    }

    func getattr(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        // Guests before 7.9 send no getattr_in.
        let g = r.session.minor >= 9 ? try a.decode(FuseGetattrIn.self) : FuseGetattrIn()
        let handle = g.getattrFlags & FuseFlag.getattrFH != 0 ? g.fh : nil
        return attrReply(try fs.getattr(node: r.node, handle: handle), r)
    }

    func setattr(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let s = try a.decode(FuseSetattrIn.self)
        let v = s.valid
        func has(_ bit: UInt32) -> Bool { v & bit != 0 }
        var changes = SetAttr()
        if has(FuseSetattrValid.mode) { changes.mode = s.mode }
        if has(FuseSetattrValid.uid) { changes.uid = s.uid }
        if has(FuseSetattrValid.gid) { changes.gid = s.gid }
        if has(FuseSetattrValid.size) { changes.size = s.size }
        if has(FuseSetattrValid.atimeNow) {
            changes.atime = .now
        } else if has(FuseSetattrValid.atime) {
            changes.atime = .set(seconds: Int64(bitPattern: s.atime), nanoseconds: s.atimensec)
        }
        if has(FuseSetattrValid.mtimeNow) {
            changes.mtime = .now
        } else if has(FuseSetattrValid.mtime) {
            changes.mtime = .set(seconds: Int64(bitPattern: s.mtime), nanoseconds: s.mtimensec)
        }
        changes.killSuidgid = config.killprivV2 && has(FuseSetattrValid.killSuidgid)
        let handle = has(FuseSetattrValid.fh) ? s.fh : nil
        let st = try fs.setattr(node: r.node, handle: handle, changes: changes, cred: r.cred)
        return attrReply(st, r)
    }

    func readlink(_ r: Request) throws(FSError) -> Reply {
        .ok(try fs.readlink(node: r.node))
    }

    func symlink(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let name = try a.name()
        let target = try a.name()
        return entryReply(try fs.symlink(parent: r.node, name: name, target: target, cred: r.cred), r)
    }

    func mknod(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let m = try a.decode(FuseMknodIn.self, size: r.session.mknodInSize)
        let name = try a.name()
        let e = try fs.mknod(parent: r.node, name: name, mode: m.mode, rdev: m.rdev, umask: m.umask, cred: r.cred)
        return entryReply(e, r)
    }

    func mkdir(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let m = try a.decode(FuseMkdirIn.self)
        let name = try a.name()
        return entryReply(try fs.mkdir(parent: r.node, name: name, mode: m.mode, umask: m.umask, cred: r.cred), r)
    }

    func unlink(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        try fs.unlink(parent: r.node, name: try a.name())
        return .ok([])
    }

    func rmdir(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        try fs.rmdir(parent: r.node, name: try a.name())
        return .ok([])
    }

    /// RENAME (`fuse_rename_in`) and RENAME2 (`fuse_rename2_in` with RENAME_* flags).
    func rename(_ r: Request, _ a: inout ByteCursor, extended: Bool) throws(FSError) -> Reply {
        let newParent: UInt64
        var flags: UInt32 = 0
        if extended {
            let x = try a.decode(FuseRename2In.self)
            (newParent, flags) = (x.newdir, x.flags)
        } else {
            newParent = try a.decode(FuseRenameIn.self).newdir
        }
        let old = try a.name()
        let new = try a.name()
        try fs.rename(parent: r.node, name: old, newParent: newParent, newName: new, flags: flags)
        return .ok([])
    }

    func link(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let l = try a.decode(FuseLinkIn.self)
        let name = try a.name()
        return entryReply(try fs.link(node: l.oldnodeid, newParent: r.node, newName: name), r)
    }

    func access(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseAccessIn.self)
        try fs.access(node: r.node, mask: Int32(bitPattern: x.mask), cred: r.cred)
        return .ok([])
    }

    func statfs(_ r: Request) throws(FSError) -> Reply {
        let st = try fs.statfs(node: r.node)
        let k = FuseKstatfs(
            blocks: UInt64(st.f_blocks), bfree: UInt64(st.f_bfree), bavail: UInt64(st.f_bavail),
            files: UInt64(st.f_files), ffree: UInt64(st.f_ffree),
            bsize: UInt32(truncatingIfNeeded: st.f_bsize), namelen: UInt32(truncatingIfNeeded: st.f_namemax),
            frsize: UInt32(truncatingIfNeeded: st.f_frsize))
        return .ok(Array(FuseStatfsOut(st: k).bytes.prefix(r.session.statfsOutSize)))
    }

    func syncfs(_ r: Request) throws(FSError) -> Reply {
        try fs.syncfs(node: r.node)
        return .ok([])
    }
}
