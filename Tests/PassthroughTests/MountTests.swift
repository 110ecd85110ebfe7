import Glibc
import Testing
@testable import Passthrough

@Suite struct MountTests {
    @Test(arguments: [InodeFileHandles.prefer, .mandatory])
    func fileHandleModeServesFilesWithoutHoldingDescriptors(mode: InodeFileHandles) throws {
        let f: Fixture
        do {
            f = try Fixture { $0.inodeFileHandles = mode }
        } catch {
            Issue.record("init failed: \(error)")
            return
        }
        f.dir.mkdir("d")
        f.dir.write("d/f", "by handle")
        let d = try f.fs.lookup(parent: 1, name: bytes("d"))
        let file = try f.fs.lookup(parent: d.node, name: bytes("f"))
        #expect(try f.fs.getattr(node: file.node).st_size == 9)
        // No O_PATH descriptors kept for the looked-up inodes.
        #expect(f.fs.inodes.get(file.node)?.fd == nil)
        #expect(f.fs.inodes.get(file.node)?.handle != nil)
        #expect(openFDCount(under: f.dir.path) == 2)  // the root's O_PATH and its mount fd
        let o = try f.fs.open(node: file.node, flags: O_RDWR)
        #expect(try readAll(f.fs, o.handle) == bytes("by handle"))
        try f.fs.release(handle: o.handle)
        // Same inode again: same node.
        #expect(try f.fs.lookup(parent: d.node, name: bytes("f")).node == file.node)
        // Operations that go through the inode.
        _ = try f.fs.setattr(node: file.node, changes: SetAttr(mode: 0o600))
        #expect(f.dir.info("d/f").st_mode & 0o777 == 0o600)
        try f.fs.setxattr(node: file.node, name: bytes("user.h"), value: [1], flags: 0)
        let c = try f.fs.create(parent: d.node, name: bytes("g"), mode: 0o644, flags: O_RDWR, umask: 0)
        try f.fs.release(handle: c.1.handle)
        let l = try f.fs.link(node: file.node, newParent: 1, newName: bytes("hard"))
        #expect(l.node == file.node)
        try f.fs.unlink(parent: d.node, name: bytes("f"))
        try f.fs.unlink(parent: 1, name: bytes("hard"))
        // Deleted: the handle is stale now, and the guest gets an error, not a crash.
        #expect(errnoOf { try f.fs.getattr(node: file.node) } == ESTALE)
    }

    @Test(.enabled(if: isRoot, "mounting needs root"))
    func submountsAreFlaggedAndKeyedByMountID() throws {
        let f = try Fixture { $0.announceSubmounts = true }
        f.dir.mkdir("mnt")
        f.dir.mkdir("plain")
        guard mount("strait-test", f.dir.sub("mnt"), "tmpfs", 0, nil) == 0 else {
            try Test.cancel("cannot mount a tmpfs here (errno \(errno)): submount detection not exercised")
        }
        defer { umount2(f.dir.sub("mnt"), Int32(MNT_DETACH)) }
        let m = try f.fs.lookup(parent: 1, name: bytes("mnt"))
        let p = try f.fs.lookup(parent: 1, name: bytes("plain"))
        #expect(m.submount)
        #expect(!p.submount)
        let inner = try f.fs.mkdir(parent: m.node, name: bytes("x"), mode: 0o755, umask: 0)
        #expect(!inner.submount)
        // ".." of the mount root goes back to the share root, not outside.
        #expect(try f.fs.lookup(parent: m.node, name: bytes("..")).node == 1)
        let quiet = try PassthroughFS(config: PassthroughConfig(root: f.dir.path))
        #expect(try !quiet.lookup(parent: 1, name: bytes("mnt")).submount)
    }
}
