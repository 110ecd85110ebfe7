import Glibc
import Testing
@testable import Passthrough

/// A valid request can be the attack: names the guest made itself (device nodes, FIFOs) must
/// never be opened, and the share's root is the root whatever node id reaches it.
@Suite struct HostileCreateTests {
    @Test(arguments: [InodeFileHandles.never, .prefer])
    func createOfAGuestMadeDeviceNodeNeverOpensIt(handles: InodeFileHandles) throws {
        let f = try Fixture { $0.inodeFileHandles = handles }
        // /dev/urandom's numbers (1:9); makedev(1, 9) = 0x109. Needs CAP_MKNOD, as root here.
        let made = errnoOf { try f.fs.mknod(parent: 1, name: bytes("urnd"), mode: 0o20666, rdev: 0x109, umask: 0) }
        try #require(made == nil, "mknod of a character device needs root")
        for flags in [O_RDWR | O_CREAT, O_RDONLY | O_CREAT, O_WRONLY | O_CREAT | O_TRUNC] {
            let errno = errnoOf { try f.fs.create(parent: 1, name: bytes("urnd"), mode: 0o644, flags: flags, umask: 0) }
            #expect(errno != nil, "CREATE opened a device node with flags \(flags)")
        }
        let node = try f.fs.lookup(parent: 1, name: bytes("urnd")).node
        #expect(errnoOf { try f.fs.open(node: node, flags: O_RDONLY) } != nil)
        #expect(f.fs.handleCount == 0)
    }

    @Test func createOfAnExistingFifoAnswersAtOnce() throws {
        let f = try Fixture()
        #expect(errnoOf { try f.fs.mknod(parent: 1, name: bytes("fifo"), mode: 0o10644, rdev: 0, umask: 0) } == nil)
        let start = monotonic()
        // An open of a FIFO for reading blocks until a writer comes: this must not block.
        #expect(errnoOf { try f.fs.create(parent: 1, name: bytes("fifo"), mode: 0o644, flags: O_RDONLY | O_CREAT, umask: 0) } != nil)
        #expect(errnoOf { try f.fs.create(parent: 1, name: bytes("fifo"), mode: 0o644, flags: O_WRONLY | O_CREAT, umask: 0) } != nil)
        #expect(monotonic() - start < 2)
        #expect(f.fs.handleCount == 0)
    }

    @Test func createOfAnExistingFileOpensItAndHonoursExclusive() throws {
        let f = try Fixture()
        f.dir.write("file", "hello")
        let (entry, opened) = try f.fs.create(parent: 1, name: bytes("file"), mode: 0o644, flags: O_RDWR | O_CREAT, umask: 0)
        #expect(try readAll(f.fs, opened.handle, count: 5) == bytes("hello"))
        #expect(f.fs.lookupCount(node: entry.node) == 1)
        #expect(errnoOf { try f.fs.create(parent: 1, name: bytes("file"), mode: 0o644, flags: O_RDWR | O_CREAT | O_EXCL, umask: 0) } == EEXIST)
        f.dir.mkdir("dir")
        #expect(errnoOf { try f.fs.create(parent: 1, name: bytes("dir"), mode: 0o644, flags: O_RDWR | O_CREAT, umask: 0) } == EISDIR)
        // A failed CREATE of an existing name leaves no lookup behind.
        let dirNode = try f.fs.lookup(parent: 1, name: bytes("dir")).node
        #expect(f.fs.lookupCount(node: dirNode) == 1)
        let (_, truncated) = try f.fs.create(parent: 1, name: bytes("file"), mode: 0o644, flags: O_RDWR | O_CREAT | O_TRUNC, umask: 0)
        #expect(f.dir.info("file").st_size == 0)
        try f.fs.release(handle: truncated.handle)
        try f.fs.release(handle: opened.handle)
    }

    @Test(arguments: [InodeFileHandles.never, .prefer, .mandatory])
    func dotDotNeverClimbsAboveTheShare(handles: InodeFileHandles) throws {
        let outer = TempDir()
        outer.write("beside", "outside the share")
        outer.mkdir("share/sub")
        var config = PassthroughConfig(root: outer.sub("share"), xattr: true)
        config.inodeFileHandles = handles
        let fs = try PassthroughFS(config: config)
        let sub = try fs.lookup(parent: 1, name: bytes("sub"))
        let up = try fs.lookup(parent: sub.node, name: bytes(".."))
        #expect(up.node == 1, "the share root came back as node \(up.node)")
        let upUp = try fs.lookup(parent: up.node, name: bytes(".."))
        #expect(upUp.node == 1)
        #expect(errnoOf { try fs.lookup(parent: upUp.node, name: bytes("beside")) } == ENOENT)
        #expect(errnoOf { try fs.create(parent: upUp.node, name: bytes("planted"), mode: 0o644, flags: O_RDWR | O_CREAT, umask: 0) } == nil)
        #expect(access(outer.sub("planted"), F_OK) != 0)
        #expect(access(outer.sub("share/planted"), F_OK) == 0)
    }
}

private func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
