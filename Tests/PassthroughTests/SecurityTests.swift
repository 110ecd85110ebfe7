import CShims
import Foundation
import Glibc
import Testing
@testable import Passthrough

/// The guest is untrusted: nothing it sends may reach outside the shared directory.
@Suite struct SecurityTests {
    @Test(arguments: ["a/b", "../x", "/etc", "", ".", "..", "x\0y", "/"])
    func badNamesAreRejectedForCreation(name: String) throws {
        let f = try Fixture()
        let n = bytes(name)
        #expect(errnoOf { try f.fs.mkdir(parent: 1, name: n, mode: 0o755, umask: 0) } != nil)
        #expect(errnoOf { try f.fs.create(parent: 1, name: n, mode: 0o644, flags: O_RDWR, umask: 0) } != nil)
        #expect(errnoOf { try f.fs.symlink(parent: 1, name: n, target: bytes("t")) } != nil)
        #expect(errnoOf { try f.fs.mknod(parent: 1, name: n, mode: 0o10644, rdev: 0, umask: 0) } != nil)
        #expect(errnoOf { try f.fs.unlink(parent: 1, name: n) } != nil)
        #expect(errnoOf { try f.fs.rmdir(parent: 1, name: n) } != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.dir.path).isEmpty)
    }

    @Test func slashAndNulInLookupAreEINVAL() throws {
        let f = try Fixture()
        f.dir.mkdir("a/b")
        #expect(errnoOf { try f.fs.lookup(parent: 1, name: bytes("a/b")) } == EINVAL)
        #expect(errnoOf { try f.fs.lookup(parent: 1, name: bytes("../etc")) } == EINVAL)
        #expect(errnoOf { try f.fs.lookup(parent: 1, name: [0x61, 0, 0x62]) } == EINVAL)
        #expect(errnoOf { try f.fs.lookup(parent: 1, name: []) } == ENOENT)
        #expect(errnoOf { try f.fs.lookup(parent: 1, name: [UInt8](repeating: 0x61, count: 256)) } == ENAMETOOLONG)
    }

    @Test func dotDotAtTheRootStaysAtTheRoot() throws {
        let f = try Fixture()
        let up = try f.fs.lookup(parent: 1, name: bytes(".."))
        #expect(up.node == 1)
        let rootStat = f.dir.info(".")
        #expect(up.attr.st_ino == rootStat.st_ino)
        f.dir.mkdir("sub")
        let sub = try f.fs.lookup(parent: 1, name: bytes("sub"))
        let back = try f.fs.lookup(parent: sub.node, name: bytes(".."))
        #expect(back.attr.st_ino == rootStat.st_ino)
        // The share's root reached through ".." of a child is still confined (node differs
        // from 1 only in id; its own ".." handling would be by inode, checked next).
        let dot = try f.fs.lookup(parent: 1, name: bytes("."))
        #expect(dot.node == 1)
    }

    @Test func absoluteSymlinkIsNeverFollowed() throws {
        let f = try Fixture()
        let outside = TempDir()
        outside.write("secret", "host secret")
        chmod(outside.sub("secret"), 0o644)
        symlink(outside.sub("secret"), f.dir.sub("link"))
        symlink(outside.path, f.dir.sub("dirlink"))
        symlink("/etc", f.dir.sub("etc"))

        let link = try f.fs.lookup(parent: 1, name: bytes("link"))
        #expect(link.attr.st_mode & 0o170000 == 0o120000)  // the link itself, not the target
        #expect(try f.fs.readlink(node: link.node) == bytes(outside.sub("secret")))
        #expect(errnoOf { try f.fs.open(node: link.node, flags: O_RDONLY) } == ELOOP)
        #expect(errnoOf { try f.fs.open(node: link.node, flags: O_RDWR | O_TRUNC) } == ELOOP)

        // A symlink to a directory is not a directory to look up in.
        let dirlink = try f.fs.lookup(parent: 1, name: bytes("dirlink"))
        #expect(errnoOf { try f.fs.lookup(parent: dirlink.node, name: bytes("secret")) } == ENOTDIR)
        #expect(errnoOf { try f.fs.opendir(node: dirlink.node) } == ENOTDIR)
        #expect(errnoOf { try f.fs.create(parent: dirlink.node, name: bytes("planted"), mode: 0o644,
                                          flags: O_RDWR, umask: 0) } == ENOTDIR)
        let etc = try f.fs.lookup(parent: 1, name: bytes("etc"))
        #expect(errnoOf { try f.fs.lookup(parent: etc.node, name: bytes("passwd")) } == ENOTDIR)
        #expect(!FileManager.default.fileExists(atPath: outside.sub("planted")))

        // setattr on the link must not touch the target.
        _ = errnoOf { try f.fs.setattr(node: link.node, changes: SetAttr(mode: 0o777)) }
        _ = errnoOf { try f.fs.setattr(node: link.node, changes: SetAttr(size: 0)) }
        _ = errnoOf { try f.fs.setattr(node: link.node, changes: SetAttr(mtime: .set(seconds: 12345, nanoseconds: 0))) }
        #expect(outside.info("secret").st_mode & 0o777 == 0o644)
        #expect(outside.read("secret") == "host secret")
        #expect(outside.info("secret").st_mtim.tv_sec != 12345)
        #expect(try f.fs.getattr(node: link.node).st_mtim.tv_sec == 12345)

        // A creation over the link's name does not write through it.
        #expect(errnoOf { try f.fs.create(parent: 1, name: bytes("link"), mode: 0o644,
                                          flags: O_RDWR | O_TRUNC, umask: 0) } == ELOOP)
        #expect(outside.read("secret") == "host secret")
        // Hard-linking the link makes another link, not a link to the host file.
        let hard = try f.fs.link(node: link.node, newParent: 1, newName: bytes("hard"))
        #expect(hard.attr.st_mode & 0o170000 == 0o120000)
        // xattrs on the link go to the link (user.* is not allowed on symlinks).
        #expect(errnoOf { try f.fs.setxattr(node: link.node, name: bytes("user.x"), value: [1], flags: 0) } == EPERM)
        var buf = [UInt8](repeating: 0, count: 8)
        #expect(strait_getxattr(-1, outside.sub("secret"), "user.x", &buf, 8) == -1)
    }

    @Test func renameCannotMoveOutOfTheShare() throws {
        let f = try Fixture()
        f.dir.write("a", "A")
        symlink("/tmp", f.dir.sub("tmplink"))
        let l = try f.fs.lookup(parent: 1, name: bytes("tmplink"))
        #expect(errnoOf { try f.fs.rename(parent: 1, name: bytes("a"), newParent: l.node, newName: bytes("a")) } == ENOTDIR)
        #expect(f.dir.read("a") == "A")
    }

    @Test func specialFilesAreNeverOpened() throws {
        let f = try Fixture()
        let fifo = try f.fs.mknod(parent: 1, name: bytes("fifo"), mode: 0o10666, rdev: 0, umask: 0)
        // Opening a FIFO would block the daemon; a device node would be the host's device.
        #expect(errnoOf { try f.fs.open(node: fifo.node, flags: O_RDONLY) } == ENXIO)
        if isRoot {
            // /dev/null's numbers (1,3) in the encoding FUSE uses.
            let dev = try f.fs.mknod(parent: 1, name: bytes("null"), mode: 0o20666, rdev: (1 << 8) | 3, umask: 0)
            #expect(dev.attr.st_rdev == makedevValue(1, 3))
            #expect(errnoOf { try f.fs.open(node: dev.node, flags: O_RDWR) } == ENXIO)
        }
    }

    @Test func unknownIdsAreErrorsNotCrashes() throws {
        let f = try Fixture()
        for node: UInt64 in [0, 2, 999, UInt64.max] {
            #expect(errnoOf { try f.fs.getattr(node: node) } == EBADF)
            #expect(errnoOf { try f.fs.lookup(parent: node, name: bytes("x")) } == EBADF)
            #expect(errnoOf { try f.fs.open(node: node, flags: O_RDONLY) } == EBADF)
            #expect(errnoOf { try f.fs.readlink(node: node) } == EBADF)
            #expect(errnoOf { try f.fs.getxattr(node: node, name: bytes("user.a"), size: 0) } == EBADF)
            #expect(errnoOf { try f.fs.statfs(node: node) } == EBADF)
        }
        for handle: UInt64 in [0, 1, 77, UInt64.max] {
            #expect(errnoOf { try readAll(f.fs, handle) } == EBADF)
            #expect(errnoOf { try f.fs.release(handle: handle) } == EBADF)
            #expect(errnoOf { try f.fs.fd(forHandle: handle) } == EBADF)
            #expect(errnoOf { try f.fs.lseek(handle: handle, offset: 0, whence: SEEK_SET) } == EBADF)
            #expect(errnoOf { try f.fs.setlk(handle: handle, owner: 1, lock: FileLock(start: 0, end: 1, type: Int32(F_WRLCK))) } == EBADF)
            #expect(errnoOf { try f.fs.readdir(handle: handle, offset: 0, plus: true) { _, _ in true } } == EBADF)
        }
        // A file's node used as a directory.
        f.dir.write("file", "x")
        let file = try f.fs.lookup(parent: 1, name: bytes("file"))
        #expect(errnoOf { try f.fs.lookup(parent: file.node, name: bytes("x")) } == ENOTDIR)
        #expect(errnoOf { try f.fs.mkdir(parent: file.node, name: bytes("x"), mode: 0o755, umask: 0) } == ENOTDIR)
        // Garbage offsets and sizes.
        let o = try f.fs.open(node: file.node, flags: O_RDWR)
        #expect(errnoOf { try readAll(f.fs, o.handle, offset: UInt64.max) } == EINVAL)
        #expect(errnoOf { try f.fs.setattr(node: file.node, changes: SetAttr(size: UInt64.max)) } == EINVAL)
        #expect(errnoOf { try f.fs.fallocate(handle: o.handle, offset: UInt64.max, length: 1, mode: 0) } == EINVAL)
        try f.fs.release(handle: o.handle)
    }
}

func makedevValue(_ major: UInt64, _ minor: UInt64) -> UInt64 {
    (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12) | ((major & ~0xfff) << 32)
}
