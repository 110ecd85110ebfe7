import CShims
import Glibc
import Testing
@testable import Passthrough

/// New files belong to the guest caller (fsuid/fsgid switched per thread), and the daemon's own
/// identity comes back afterwards.
@Suite struct CredentialTests {
    let guest = Credentials(uid: 4242, gid: 4343, pid: 1)

    @Test(.enabled(if: isRoot, "switching fsuid needs root"))
    func everyCreationIsOwnedByTheCaller() throws {
        let f = try Fixture()
        chmod(f.dir.path, 0o777)
        let d = try f.fs.mkdir(parent: 1, name: bytes("d"), mode: 0o755, umask: 0, cred: guest)
        let (c, o) = try f.fs.create(parent: 1, name: bytes("c"), mode: 0o644, flags: O_RDWR, umask: 0, cred: guest)
        let s = try f.fs.symlink(parent: 1, name: bytes("s"), target: bytes("c"), cred: guest)
        let n = try f.fs.mknod(parent: 1, name: bytes("n"), mode: 0o10644, rdev: 0, umask: 0, cred: guest)
        let (t, to) = try f.fs.tmpfile(parent: 1, mode: 0o600, flags: O_RDWR, umask: 0, cred: guest)
        for entry in [d, c, s, n, t] {
            #expect(entry.attr.st_uid == guest.uid && entry.attr.st_gid == guest.gid)
        }
        for name in ["d", "c", "s", "n"] {
            let st = f.dir.info(name)
            #expect(st.st_uid == guest.uid && st.st_gid == guest.gid, "\(name)")
        }
        try f.fs.release(handle: o.handle)
        try f.fs.release(handle: to.handle)
        // Restored: the thread's fsuid is root again, and creation without credentials is root's.
        #expect(strait_setfsuid(UInt32.max) == 0)
        #expect(strait_setfsgid(UInt32.max) == 0)
        let r = try f.fs.mkdir(parent: 1, name: bytes("root"), mode: 0o755, umask: 0)
        #expect(r.attr.st_uid == 0)
    }

    @Test(.enabled(if: isRoot, "switching fsuid needs root"),
          arguments: [InodeFileHandles.never, .prefer])
    func guestOwnedFilesCanBeChangedWithCredentials(mode: InodeFileHandles) throws {
        let f = try Fixture { $0.inodeFileHandles = mode }
        chmod(f.dir.path, 0o777)
        f.dir.mkdir("sub")
        chmod(f.dir.sub("sub"), 0o777)
        let sub = try f.fs.lookup(parent: 1, name: bytes("sub"))
        let (e, o) = try f.fs.create(parent: sub.node, name: bytes("mine"), mode: 0o644, flags: O_RDWR,
                                     umask: 0, cred: guest)
        try writeAll(f.fs, o.handle, bytes("0123456789"))
        try f.fs.release(handle: o.handle)
        let st = try f.fs.setattr(node: e.node, changes: SetAttr(size: 3, mtime: .now), cred: guest)
        #expect(st.st_size == 3 && st.st_uid == guest.uid)
        let d = try f.fs.mkdir(parent: sub.node, name: bytes("dir"), mode: 0o755, umask: 0, cred: guest)
        let (t, to) = try f.fs.tmpfile(parent: d.node, mode: 0o600, flags: O_RDWR, umask: 0, cred: guest)
        #expect(t.attr.st_uid == guest.uid)
        try f.fs.release(handle: to.handle)
        #expect(strait_setfsuid(UInt32.max) == 0)
    }

    @Test(.enabled(if: isRoot, "switching fsuid needs root"))
    func hostPermissionsApplyToTheCaller() throws {
        let f = try Fixture()
        f.dir.mkdir("locked")
        chmod(f.dir.sub("locked"), 0o755)  // owned by root, not writable by the guest user
        let locked = try f.fs.lookup(parent: 1, name: bytes("locked"))
        #expect(errnoOf { try f.fs.mkdir(parent: locked.node, name: bytes("x"), mode: 0o755, umask: 0, cred: guest) } == EACCES)
        #expect(errnoOf { try f.fs.create(parent: locked.node, name: bytes("x"), mode: 0o644, flags: O_RDWR, umask: 0, cred: guest) } == EACCES)
        #expect(!f.dir.exists("locked/x"))
        // The failure restored the ids too.
        #expect(strait_setfsuid(UInt32.max) == 0)
    }
}
