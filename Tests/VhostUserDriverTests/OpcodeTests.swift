import FUSE
import Glibc
import DaemonLaunch
import Posix
import Testing
@testable import VhostUserDriver

/// The remaining opcodes, each checked against the host directory. Where a daemon does not
/// implement something (ENOSYS/EOPNOTSUPP: virtiofsd without xattr or posix locks), that part
/// says so and is skipped; everything else must work.
@Suite("more opcodes against real daemons", .serialized)
struct OpcodeTests {
    func unsupported(_ e: DriverError) -> Bool { e.code == .fuse && (e.errno == ENOSYS || e.errno == EOPNOTSUPP) }

    func open(_ daemon: DaemonCommandLine) throws -> (DaemonFixture, FuseClient)? {
        let fixture = try DaemonFixture(daemon)
        let client = try FuseClient(frontend: try fixture.connect())
        try client.initialize()
        return (fixture, client)
    }

    @Test("mkdir, symlink/readlink, link, rename2, mknod, access, statfs, rmdir", arguments: PeerDaemons.runnable)
    func namespace(_ daemon: DaemonCommandLine) throws {
        guard let (fixture, client) = try open(daemon) else { return }
        defer { client.close(); _ = fixture }
        let root = FuseProtocol.rootID
        let dir = try client.mkdir(parent: root, name: "d")
        var st = stat()
        #expect(lstat(fixture.shared + "/d", &st) == 0 && st.st_mode & S_IFMT == S_IFDIR)
        let link = try client.symlink(parent: dir.nodeid, name: "sl", target: "../target/x")
        #expect(try client.readlink(node: link.nodeid) == Array("../target/x".utf8))
        let (file, h) = try client.create(parent: dir.nodeid, name: "a")
        _ = try client.write(node: file.nodeid, handle: h.fh, offset: 0, data: Array("AAAA".utf8))
        try client.release(node: file.nodeid, handle: h.fh)
        let hard = try client.link(node: file.nodeid, newParent: root, newName: "hard")
        #expect(hard.attr.nlink == 2)
        #expect(hard.attr.ino == file.attr.ino)
        try writeHostFile(fixture.shared + "/d/b", Array("BB".utf8))
        #expect(throws: DriverError.self) {
            try client.rename2(parent: dir.nodeid, name: "a", newParent: dir.nodeid, newName: "b", flags: 1 /* NOREPLACE */)
        }
        try client.rename2(parent: dir.nodeid, name: "a", newParent: dir.nodeid, newName: "b", flags: 2 /* EXCHANGE */)
        #expect(try readHostFile(fixture.shared + "/d/a") == Array("BB".utf8))
        #expect(try readHostFile(fixture.shared + "/d/b") == Array("AAAA".utf8))
        let fifo = try client.mknod(parent: dir.nodeid, name: "fifo", mode: S_IFIFO | 0o600)
        #expect(fifo.attr.mode & UInt32(S_IFMT) == UInt32(S_IFIFO))
        #expect(lstat(fixture.shared + "/d/fifo", &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
        let accessed = Result { () throws(DriverError) in try client.access(node: dir.nodeid, mask: UInt32(R_OK | X_OK)) }
        if case .failure(let e) = accessed {
            guard unsupported(e) else { throw e }
            print("\(daemon.name): no ACCESS (the guest kernel checks permissions itself)")
        }
        let fs = try client.statfs()
        #expect(fs.st.bsize > 0 && fs.st.blocks > 0)
        #expect(throws: DriverError.self) { try client.rmdir(parent: root, name: "d") }  // not empty
        // As the kernel does, look a name up before unlinking it (C virtiofsd answers EIO for
        // names the guest never looked up, like the host-made file exchanged in above).
        for n in ["sl", "a", "b", "fifo"] {
            let e = try client.lookup(parent: dir.nodeid, name: n)
            try client.unlink(parent: dir.nodeid, name: n)
            try client.forget(node: e.nodeid, count: 1)
        }
        try client.rmdir(parent: root, name: "d")
        #expect(access(fixture.shared + "/d", F_OK) != 0)
    }

    @Test("setattr, fallocate, lseek, copy_file_range, fsync, flush, locks, xattrs", arguments: PeerDaemons.runnable)
    func fileOperations(_ daemon: DaemonCommandLine) throws {
        guard let (fixture, client) = try open(daemon) else { return }
        defer { client.close(); _ = fixture }
        let root = FuseProtocol.rootID
        let (src, hs) = try client.create(parent: root, name: "src")
        let data = (0..<20000).map { UInt8(truncatingIfNeeded: $0 &* 3) }
        _ = try client.write(node: src.nodeid, handle: hs.fh, offset: 0, data: data)
        try client.fsync(node: src.nodeid, handle: hs.fh)
        try client.flush(node: src.nodeid, handle: hs.fh)
        try client.fallocate(node: src.nodeid, handle: hs.fh, offset: 0, length: 65536)
        #expect(try client.getattr(node: src.nodeid).attr.size == 65536)
        #expect(try client.lseek(node: src.nodeid, handle: hs.fh, offset: 0, whence: 3 /* SEEK_DATA */) == 0)
        var change = FuseSetattrIn()
        change.valid = FuseSetattrValid.size | FuseSetattrValid.fh
        change.fh = hs.fh
        change.size = 20000
        #expect(try client.setattr(node: src.nodeid, change).attr.size == 20000)
        var st = stat()
        #expect(stat(fixture.shared + "/src", &st) == 0 && st.st_size == 20000)
        let (dst, hd) = try client.create(parent: root, name: "dst")
        let copied = Result { () throws(DriverError) in
            try client.copyFileRange(node: src.nodeid, handle: hs.fh, offset: 1000, toNode: dst.nodeid, toHandle: hd.fh, toOffset: 0, length: 5000)
        }
        switch copied {
        case .success(let n):
            #expect(n == 5000)
            #expect(try readHostFile(fixture.shared + "/dst") == Array(data[1000..<6000]))
        case .failure(let e):
            guard unsupported(e) else { throw e }
            print("\(daemon.name): no COPY_FILE_RANGE")
        }
        // POSIX locks: a write lock by one owner conflicts for another.
        let wr = FuseFileLock(start: 0, end: 99, type: UInt32(F_WRLCK), pid: 1)
        let locked = Result { () throws(DriverError) in try client.setlk(node: src.nodeid, handle: hs.fh, owner: 1, lock: wr) }
        if case .failure(let e) = locked {
            guard unsupported(e) else { throw e }
            print("\(daemon.name): no POSIX locks")
        } else {
            // GETLK carries pid 0, as the kernel sends it (OFD locks refuse anything else).
            let other = try client.open(node: src.nodeid, flags: O_RDWR)
            let seen = try client.getlk(node: src.nodeid, handle: other.fh, owner: 2, lock: FuseFileLock(start: 0, end: 10, type: UInt32(F_WRLCK), pid: 0))
            #expect(seen.type == UInt32(F_WRLCK))
            let free = try client.getlk(node: src.nodeid, handle: other.fh, owner: 2, lock: FuseFileLock(start: 100, end: 200, type: UInt32(F_WRLCK), pid: 0))
            #expect(free.type == UInt32(F_UNLCK))
            try client.release(node: src.nodeid, handle: other.fh)
        }
        // xattrs
        let set = Result { () throws(DriverError) in try client.setxattr(node: src.nodeid, name: "user.strait", value: Array("v1".utf8)) }
        if case .failure(let e) = set {
            guard unsupported(e) else { throw e }
            print("\(daemon.name): no xattrs")
        } else {
            #expect(try client.getxattr(node: src.nodeid, name: "user.strait") == Array("v1".utf8))
            #expect(try client.listxattr(node: src.nodeid).contains("user.strait"))
            try client.removexattr(node: src.nodeid, name: "user.strait")
            #expect(throws: DriverError.self) { try client.getxattr(node: src.nodeid, name: "user.strait") }
        }
        try client.release(node: src.nodeid, handle: hs.fh)
        try client.release(node: dst.nodeid, handle: hd.fh)
    }
}

@Suite("blocking locks", .serialized)
struct BlockingLockTests {
    /// SETLKW that has to wait must not stall the queue: GETATTR on the same queue answers while
    /// it waits, and the unlock releases it. Daemons without it (ENOSYS/EOPNOTSUPP) say so.
    @Test("a waiting SETLKW does not block other requests", arguments: PeerDaemons.runnable)
    func setlkwWaits(_ daemon: DaemonCommandLine) throws {
        let fixture = try DaemonFixture(daemon)
        let client = try FuseClient(frontend: try fixture.connect())
        defer { client.close(); _ = fixture }
        try client.initialize()
        let (file, h1) = try client.create(parent: FuseProtocol.rootID, name: "locked")
        let h2 = try client.open(node: file.nodeid, flags: O_RDWR)
        let lock = FuseFileLock(start: 0, end: 0x7fff_ffff_ffff_ffff, type: UInt32(F_WRLCK), pid: 100)
        let first = Result { () throws(DriverError) in try client.setlk(node: file.nodeid, handle: h1.fh, owner: 1, lock: lock) }
        if case .failure(let e) = first {
            guard e.code == .fuse, e.errno == ENOSYS || e.errno == EOPNOTSUPP else { throw e }
            print("\(daemon.name): no POSIX locks")
            return
        }
        let done = DispatchGroupLike()
        let outcome = Mutex<Int32?>(nil)
        done.enter()
        var waiting = lock
        waiting.pid = 200
        try client.submit(opcode: .setlkw, nodeid: file.nodeid, args: FuseLkIn(fh: h2.fh, owner: 2, lk: waiting).bytes,
                          replyCapacity: 0, queue: 1) { result in
            outcome.withLock { $0 = (try? result.get())?.error ?? -EIO }
            done.leave()
        }
        usleep(200_000)
        if let early = outcome.withLock({ $0 }) {
            #expect(early == -EOPNOTSUPP || early == -ENOSYS, "SETLKW returned \(early) while the lock was held")
            print("\(daemon.name): no blocking SETLKW (\(early))")
            return
        }
        // Still waiting: the same queue keeps answering.
        let start = monotonicSeconds()
        #expect(try client.getattr(node: file.nodeid).attr.ino == file.attr.ino)
        #expect(monotonicSeconds() - start < 1)
        var unlock = lock
        unlock.type = UInt32(F_UNLCK)
        try client.setlk(node: file.nodeid, handle: h1.fh, owner: 1, lock: unlock)
        #expect(done.wait(seconds: 5), "SETLKW still blocked after the unlock")
        #expect(outcome.withLock { $0 } == 0)
    }
}

import Synchronization
