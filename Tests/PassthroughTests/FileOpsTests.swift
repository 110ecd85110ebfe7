import Foundation
import Glibc
import Testing
@testable import Passthrough

@Suite struct FileOpsTests {
    @Test func createWriteReadGetattr() throws {
        let f = try Fixture()
        let (entry, open) = try f.fs.create(parent: 1, name: bytes("new"), mode: 0o644,
                                            flags: O_RDWR, umask: 0o022)
        #expect(entry.attr.st_mode & 0o777 == 0o644)
        #expect(f.fs.lookupCount(node: entry.node) == 1)
        #expect(try writeAll(f.fs, open.handle, bytes("hello world")) == 11)
        #expect(try readAll(f.fs, open.handle, offset: 6) == bytes("world"))
        #expect(f.dir.read("new") == "hello world")
        #expect(try f.fs.getattr(node: entry.node).st_size == 11)
        #expect(try f.fs.getattr(node: entry.node, handle: open.handle).st_size == 11)
        try f.fs.flush(handle: open.handle, lockOwner: 7)
        try f.fs.fsync(handle: open.handle, dataOnly: true)
        try f.fs.fsync(handle: open.handle, dataOnly: false)
        try f.fs.release(handle: open.handle)
        #expect(f.fs.handleCount == 0)
        #expect(errnoOf { try f.fs.fsync(handle: open.handle, dataOnly: false) } == EBADF)
    }

    @Test func createHonoursUmaskAndExcl() throws {
        let f = try Fixture()
        let (e, o) = try f.fs.create(parent: 1, name: bytes("m"), mode: 0o666, flags: O_WRONLY, umask: 0o027)
        #expect(e.attr.st_mode & 0o777 == 0o640)
        try f.fs.release(handle: o.handle)
        #expect(errnoOf { try f.fs.create(parent: 1, name: bytes("m"), mode: 0o666,
                                          flags: O_WRONLY | O_EXCL, umask: 0) } == EEXIST)
    }

    @Test func openTruncAppendAndReadOnly() throws {
        let f = try Fixture()
        f.dir.write("f", "0123456789")
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        let ro = try f.fs.open(node: e.node, flags: O_RDONLY)
        #expect(try readAll(f.fs, ro.handle) == bytes("0123456789"))
        try f.fs.release(handle: ro.handle)
        let tr = try f.fs.open(node: e.node, flags: O_WRONLY | O_TRUNC)
        #expect(f.dir.read("f") == "")
        try f.fs.release(handle: tr.handle)
    }

    @Test func writeOnReadOnlyHandleFails() throws {
        let f = try Fixture()
        f.dir.write("f", "abc")
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        let ro = try f.fs.open(node: e.node, flags: O_RDONLY)
        var data = bytes("x")
        let r = data.withUnsafeMutableBytes { raw -> Int32? in
            var iov = [iovec(iov_base: raw.baseAddress, iov_len: 1)]
            return iov.withUnsafeBufferPointer { v in errnoOf { try f.fs.write(handle: ro.handle, offset: 0, from: v) } }
        }
        #expect(r == EBADF)
    }

    @Test func setattrSizeModeOwnerTimes() throws {
        let f = try Fixture()
        f.dir.write("f", "0123456789")
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        var st = try f.fs.setattr(node: e.node, changes: SetAttr(size: 4))
        #expect(st.st_size == 4 && f.dir.read("f") == "0123")
        st = try f.fs.setattr(node: e.node, changes: SetAttr(mode: 0o600))
        #expect(st.st_mode & 0o7777 == 0o600)
        st = try f.fs.setattr(node: e.node, changes: SetAttr(
            atime: .set(seconds: 1_000_000, nanoseconds: 5), mtime: .set(seconds: 2_000_000, nanoseconds: 7)))
        #expect(st.st_atim.tv_sec == 1_000_000 && st.st_atim.tv_nsec == 5)
        #expect(st.st_mtim.tv_sec == 2_000_000 && st.st_mtim.tv_nsec == 7)
        // Only mtime -> now; atime untouched (UTIME_OMIT).
        let before = time(nil)
        st = try f.fs.setattr(node: e.node, changes: SetAttr(mtime: .now))
        #expect(st.st_mtim.tv_sec >= before && st.st_atim.tv_sec == 1_000_000)
        // Through an open handle.
        let o = try f.fs.open(node: e.node, flags: O_RDWR)
        st = try f.fs.setattr(node: e.node, handle: o.handle, changes: SetAttr(mode: 0o640, size: 1))
        #expect(st.st_size == 1 && st.st_mode & 0o777 == 0o640)
        try f.fs.release(handle: o.handle)
        if isRoot {
            st = try f.fs.setattr(node: e.node, changes: SetAttr(uid: 4321, gid: 8765))
            #expect(st.st_uid == 4321 && st.st_gid == 8765)
            st = try f.fs.setattr(node: e.node, changes: SetAttr(gid: 1))
            #expect(st.st_uid == 4321 && st.st_gid == 1)
        }
    }

    @Test func killSuidgidOnSetattrAndWrite() throws {
        let f = try Fixture { $0.killprivV2 = true }
        f.dir.write("s", "x")
        chmod(f.dir.sub("s"), 0o6755)
        let e = try f.fs.lookup(parent: 1, name: bytes("s"))
        let st = try f.fs.setattr(node: e.node, changes: SetAttr(killSuidgid: true))
        #expect(st.st_mode & 0o7777 == 0o755)
        chmod(f.dir.sub("s"), 0o6755)
        let o = try f.fs.open(node: e.node, flags: O_WRONLY)
        try writeAll(f.fs, o.handle, bytes("yy"), killpriv: false)
        #expect(f.dir.info("s").st_mode & 0o7777 == 0o6755)
        try writeAll(f.fs, o.handle, bytes("yy"), killpriv: true)
        #expect(f.dir.info("s").st_mode & 0o7777 == 0o755)
        try f.fs.release(handle: o.handle)
        // sgid without group-exec is a mandatory-locking marker and stays.
        chmod(f.dir.sub("s"), 0o2644)
        _ = try f.fs.setattr(node: e.node, changes: SetAttr(killSuidgid: true))
        #expect(f.dir.info("s").st_mode & 0o7777 == 0o2644)
    }

    /// A writable DAX descriptor is where a killpriv_v2 server sees a write through the window
    /// coming (no WRITE follows): set-user-id and set-group-id go; a read-only one, or one
    /// without killpriv_v2, keeps them.
    @Test func writableDaxDescriptorKillsSuidgid() throws {
        for killpriv in [true, false] {
            let f = try Fixture { $0.killprivV2 = killpriv }
            f.dir.write("s", "x")
            chmod(f.dir.sub("s"), 0o6755)
            let e = try f.fs.lookup(parent: 1, name: bytes("s"))
            close(try f.fs.daxDescriptor(node: e.node, handle: nil, writable: false))
            #expect(f.dir.info("s").st_mode & 0o7777 == 0o6755)
            close(try f.fs.daxDescriptor(node: e.node, handle: nil, writable: true))
            #expect(f.dir.info("s").st_mode & 0o7777 == (killpriv ? 0o755 : 0o6755), "killpriv_v2 \(killpriv)")
        }
    }

    @Test(.enabled(if: isRoot, "setting security.capability needs CAP_SETFCAP"))
    func writesAndTruncatesDropFileCapabilities() throws {
        let f = try Fixture { $0.killprivV2 = true }
        f.dir.write("cap", "x")
        // VFS_CAP_REVISION_2, CAP_NET_RAW (13) permitted.
        let cap: [UInt8] = [0x00, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        let e = try f.fs.lookup(parent: 1, name: bytes("cap"))
        try f.fs.setxattr(node: e.node, name: bytes("security.capability"), value: cap, flags: 0)
        #expect(try f.fs.getxattr(node: e.node, name: bytes("security.capability"), size: 0) == .size(20))
        let o = try f.fs.open(node: e.node, flags: O_WRONLY)
        try writeAll(f.fs, o.handle, bytes("b"), killpriv: true)
        #expect(errnoOf { try f.fs.getxattr(node: e.node, name: bytes("security.capability"), size: 0) } == ENODATA)
        try f.fs.release(handle: o.handle)
        // And through setattr without a handle.
        try f.fs.setxattr(node: e.node, name: bytes("security.capability"), value: cap, flags: 0)
        _ = try f.fs.setattr(node: e.node, changes: SetAttr(size: 0, killSuidgid: true))
        #expect(errnoOf { try f.fs.getxattr(node: e.node, name: bytes("security.capability"), size: 0) } == ENODATA)
    }

    @Test func symlinkReadlinkMknodMkdirRmdirUnlink() throws {
        let f = try Fixture()
        let l = try f.fs.symlink(parent: 1, name: bytes("l"), target: bytes("/etc/passwd"))
        #expect(l.attr.st_mode & 0o170000 == 0o120000)
        #expect(try f.fs.readlink(node: l.node) == bytes("/etc/passwd"))
        #expect(errnoOf { try f.fs.readlink(node: 1) } == EINVAL)

        let p = try f.fs.mknod(parent: 1, name: bytes("fifo"), mode: 0o10644, rdev: 0, umask: 0)
        #expect(p.attr.st_mode & 0o170000 == 0o010000)

        let d = try f.fs.mkdir(parent: 1, name: bytes("d"), mode: 0o777, umask: 0o022)
        #expect(d.attr.st_mode & 0o7777 == 0o755)
        let inner = try f.fs.mkdir(parent: d.node, name: bytes("inner"), mode: 0o700, umask: 0)
        #expect(f.dir.exists("d/inner"))
        #expect(errnoOf { try f.fs.rmdir(parent: 1, name: bytes("d")) } == ENOTEMPTY)
        try f.fs.rmdir(parent: d.node, name: bytes("inner"))
        try f.fs.rmdir(parent: 1, name: bytes("d"))
        #expect(!f.dir.exists("d"))
        // The forgotten-later node of a removed directory still answers getattr.
        #expect(try f.fs.getattr(node: inner.node).st_nlink == 0)

        try f.fs.unlink(parent: 1, name: bytes("l"))
        #expect(!f.dir.exists("l"))
        #expect(errnoOf { try f.fs.unlink(parent: 1, name: bytes("l")) } == ENOENT)
        #expect(errnoOf { try f.fs.unlink(parent: 1, name: bytes("fifo")) } == nil)
    }

    @Test func linkAddsALookup() throws {
        let f = try Fixture()
        f.dir.write("a", "1")
        let a = try f.fs.lookup(parent: 1, name: bytes("a"))
        let b = try f.fs.link(node: a.node, newParent: 1, newName: bytes("b"))
        #expect(b.node == a.node)
        #expect(b.attr.st_nlink == 2)
        #expect(f.fs.lookupCount(node: a.node) == 2)
        #expect(f.dir.read("b") == "1")
        #expect(errnoOf { try f.fs.link(node: 1, newParent: 1, newName: bytes("root")) } == EPERM)
    }

    @Test func unlinkWhileOpenKeepsData() throws {
        let f = try Fixture()
        f.dir.write("gone", "still here")
        let e = try f.fs.lookup(parent: 1, name: bytes("gone"))
        let o = try f.fs.open(node: e.node, flags: O_RDONLY)
        try f.fs.unlink(parent: 1, name: bytes("gone"))
        #expect(try readAll(f.fs, o.handle) == bytes("still here"))
        #expect(try f.fs.getattr(node: e.node).st_nlink == 0)
        try f.fs.release(handle: o.handle)
    }

    @Test func statfsSyncfsAccess() throws {
        let f = try Fixture()
        let st = try f.fs.statfs(node: 1)
        #expect(st.f_bsize > 0 && st.f_blocks > 0)
        try f.fs.syncfs(node: 1)
        f.dir.write("r", "x")
        chmod(f.dir.sub("r"), 0o640)
        let e = try f.fs.lookup(parent: 1, name: bytes("r"))
        let owner = Credentials(uid: f.dir.info("r").st_uid, gid: 999)
        try f.fs.access(node: e.node, mask: R_OK | W_OK, cred: owner)
        #expect(errnoOf { try f.fs.access(node: e.node, mask: X_OK, cred: owner) } == EACCES)
        let other = Credentials(uid: 55555, gid: 55555)
        #expect(errnoOf { try f.fs.access(node: e.node, mask: R_OK, cred: other) } == EACCES)
        let group = Credentials(uid: 55555, gid: f.dir.info("r").st_gid)
        try f.fs.access(node: e.node, mask: R_OK, cred: group)
        #expect(errnoOf { try f.fs.access(node: e.node, mask: W_OK, cred: group) } == EACCES)
        try f.fs.access(node: e.node, mask: F_OK, cred: other)
        try f.fs.access(node: 1, mask: X_OK, cred: Credentials(uid: 0, gid: 0))
    }

    @Test func tmpfileIsUnnamed() throws {
        let f = try Fixture()
        let (e, o) = try f.fs.tmpfile(parent: 1, mode: 0o600, flags: O_RDWR, umask: 0)
        #expect(e.attr.st_nlink == 0)
        #expect(try writeAll(f.fs, o.handle, bytes("tmp")) == 3)
        #expect(try readAll(f.fs, o.handle) == bytes("tmp"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.dir.path).isEmpty)
        // It can be linked into the tree.
        let linked = try f.fs.link(node: e.node, newParent: 1, newName: bytes("kept"))
        #expect(linked.node == e.node && f.dir.read("kept") == "tmp")
        try f.fs.release(handle: o.handle)
    }

    @Test func fallocateLseekCopyFileRange() throws {
        let f = try Fixture()
        let (_, o) = try f.fs.create(parent: 1, name: bytes("sparse"), mode: 0o644, flags: O_RDWR, umask: 0)
        try writeAll(f.fs, o.handle, [UInt8](repeating: 7, count: 4096), offset: 1 << 20)
        #expect(try f.fs.lseek(handle: o.handle, offset: 0, whence: strait_SEEK_DATA_value) == 1 << 20)
        #expect(try f.fs.lseek(handle: o.handle, offset: 0, whence: strait_SEEK_HOLE_value) == 0)
        #expect(errnoOf { try f.fs.lseek(handle: o.handle, offset: 0, whence: 99) } == EINVAL)
        let blocks = f.dir.info("sparse").st_blocks
        try f.fs.fallocate(handle: o.handle, offset: 0, length: 8192, mode: 0)
        #expect(f.dir.info("sparse").st_blocks >= blocks + 16)
        let size = f.dir.info("sparse").st_size
        try f.fs.fallocate(handle: o.handle, offset: UInt64(size), length: 4096, mode: 0)
        #expect(f.dir.info("sparse").st_size == size + 4096)

        let (_, dst) = try f.fs.create(parent: 1, name: bytes("copy"), mode: 0o644, flags: O_RDWR, umask: 0)
        let n = try f.fs.copyFileRange(inHandle: o.handle, inOffset: 1 << 20, outHandle: dst.handle,
                                       outOffset: 10, length: 4096)
        #expect(n == 4096)
        #expect(try readAll(f.fs, dst.handle, offset: 10, count: 4096) == [UInt8](repeating: 7, count: 4096))
        try f.fs.release(handle: o.handle)
        try f.fs.release(handle: dst.handle)
    }

    @Test func readAcrossManyIovecsAndPastEOF() throws {
        let f = try Fixture()
        f.dir.write("f", String(repeating: "ab", count: 3000))
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        let o = try f.fs.open(node: e.node, flags: O_RDONLY)
        var buf = [UInt8](repeating: 0, count: 8000)
        let n = try buf.withUnsafeMutableBytes { raw in
            var iovs: [iovec] = []
            for i in 0..<8 { iovs.append(iovec(iov_base: raw.baseAddress! + i * 1000, iov_len: 1000)) }
            return try iovs.withUnsafeBufferPointer { try f.fs.read(handle: o.handle, offset: 0, into: $0) }
        }
        #expect(n == 6000)
        #expect(Array(buf[5998..<6000]) == bytes("ab"))
        #expect(try readAll(f.fs, o.handle, offset: 10_000) == [])
        try f.fs.release(handle: o.handle)
    }
}

let strait_SEEK_DATA_value: Int32 = 3
let strait_SEEK_HOLE_value: Int32 = 4
