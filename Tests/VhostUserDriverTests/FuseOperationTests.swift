import FUSE
import Glibc
import DaemonLaunch
import Posix
import Testing
import VhostUser
@testable import VhostUserDriver

/// FUSE through real daemons: every check here is against the host directory the daemon serves.
@Suite("FUSE requests against real daemons", .serialized)
struct FuseOperationTests {
    func session(_ daemon: DaemonCommandLine, _ configure: (inout FrontendConfiguration) -> Void = { _ in })
        throws -> (DaemonFixture, FuseClient)? {
        let fixture = try DaemonFixture(daemon)
        let client = try FuseClient(frontend: try fixture.connect(configure))
        return (fixture, client)
    }

    @Test("INIT negotiates 7.x and a max write", arguments: PeerDaemons.runnable)
    func initNegotiates(_ daemon: DaemonCommandLine) throws {
        guard let (fixture, client) = try session(daemon) else { return }
        defer { client.close(); _ = fixture }
        let out = try client.initialize()
        #expect(out.major == 7)
        #expect(out.minor >= 31)
        #expect(out.maxWrite >= 4096)
        #expect(client.session != nil)
    }

    @Test("create, write, read back, getattr, lookup, unlink", arguments: PeerDaemons.runnable)
    func fileRoundTrip(_ daemon: DaemonCommandLine) throws {
        guard let (fixture, client) = try session(daemon) else { return }
        defer { client.close(); _ = fixture }
        try client.initialize()
        let (entry, opened) = try client.create(parent: FuseProtocol.rootID, name: "hello.bin")
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var offset = 0
        while offset < data.count {
            let chunk = Array(data[offset..<min(offset + 32768, data.count)])
            let n = try client.write(node: entry.nodeid, handle: opened.fh, offset: UInt64(offset), data: chunk)
            #expect(n == UInt32(chunk.count))
            offset += chunk.count
        }
        // The host sees exactly what the guest wrote.
        let onHost = try readHostFile(fixture.shared + "/hello.bin")
        #expect(onHost == data)
        // And the guest reads it back, also across a 4 KiB-unaligned offset.
        let back = try client.read(node: entry.nodeid, handle: opened.fh, offset: 0, size: data.count)
        #expect(back == data)
        let middle = try client.read(node: entry.nodeid, handle: opened.fh, offset: 5000, size: 10)
        #expect(middle == Array(data[5000..<5010]))
        let attr = try client.getattr(node: entry.nodeid)
        #expect(attr.attr.size == UInt64(data.count))
        #expect(attr.attr.mode & UInt32(S_IFMT) == UInt32(S_IFREG))
        try client.release(node: entry.nodeid, handle: opened.fh)
        let again = try client.lookup(parent: FuseProtocol.rootID, name: "hello.bin")
        #expect(again.nodeid == entry.nodeid)
        #expect(again.attr.ino == entry.attr.ino)
        try client.unlink(parent: FuseProtocol.rootID, name: "hello.bin")
        #expect(access(fixture.shared + "/hello.bin", F_OK) != 0)
        #expect(throws: DriverError.self) { try client.lookup(parent: FuseProtocol.rootID, name: "hello.bin") }
        do { _ = try client.lookup(parent: FuseProtocol.rootID, name: "hello.bin") } catch {
            #expect(error.errno == ENOENT)
        }
        try client.forget(node: entry.nodeid, count: 2)
    }

    @Test("readdirplus lists what the host directory holds", arguments: PeerDaemons.runnable)
    func readdirplus(_ daemon: DaemonCommandLine) throws {
        guard let (fixture, client) = try session(daemon) else { return }
        defer { client.close(); _ = fixture }
        let names = (0..<300).map { "entry-\($0)-" + String(repeating: "x", count: $0 % 40) }
        for n in names { try writeHostFile(fixture.shared + "/" + n, Array(n.utf8)) }
        try client.initialize()
        let dir = try client.opendir(node: FuseProtocol.rootID)
        var seen: [String: FuseEntryOut] = [:]
        var offset: UInt64 = 0
        var batches = 0
        while true {
            let records = try client.readdir(node: FuseProtocol.rootID, handle: dir.fh, offset: offset, size: 8192, plus: true)
            if records.isEmpty { break }
            batches += 1
            for r in records {
                let name = String(decoding: r.name, as: UTF8.self)
                if let e = r.entry, name != ".", name != ".." { seen[name] = e }
                offset = r.dirent.off
            }
        }
        try client.releasedir(node: FuseProtocol.rootID, handle: dir.fh)
        #expect(batches > 1, "300 entries should not fit one 8 KiB batch")
        #expect(Set(seen.keys) == Set(names))
        // READDIRPLUS entries are real lookups: attributes match, and the node answers GETATTR.
        let sample = names[123]
        let e = try #require(seen[sample])
        #expect(e.attr.size == UInt64(sample.utf8.count))
        let attr = try client.getattr(node: e.nodeid)
        #expect(attr.attr.ino == e.attr.ino)
        // Each readdirplus entry counted one lookup: forget them all.
        try client.batchForget(seen.values.map { (node: $0.nodeid, count: 1) })
    }

    @Test("forget drops the daemon's reference: the node id is no longer valid", arguments: PeerDaemons.runnable)
    func forgetAccounting(_ daemon: DaemonCommandLine) throws {
        guard let (fixture, client) = try session(daemon) else { return }
        defer { client.close(); _ = fixture }
        try writeHostFile(fixture.shared + "/f", [1, 2, 3])
        try client.initialize()
        let a = try client.lookup(parent: FuseProtocol.rootID, name: "f")
        let b = try client.lookup(parent: FuseProtocol.rootID, name: "f")
        #expect(a.nodeid == b.nodeid)
        // Two lookups: one forget leaves the node alive.
        try client.forget(node: a.nodeid, count: 1)
        #expect(try client.getattr(node: a.nodeid).attr.size == 3)
        // The second one ends it; a later GETATTR on the stale id must not succeed with the same
        // inode (daemons answer EBADF/ENOENT/ESTALE, or a fresh lookup gets a new id).
        try client.forget(node: a.nodeid, count: 1)
        let stale = Result { try client.getattr(node: a.nodeid) }
        switch stale {
        case .success(let attr): Issue.record("GETATTR on a forgotten node succeeded: ino \(attr.attr.ino)")
        case .failure(let e as DriverError): #expect(e.code == .fuse)
        case .failure(let e): Issue.record("unexpected \(e)")
        }
    }

    @Test("many requests in flight complete, all with the right data", arguments: PeerDaemons.runnable)
    func queueDepth(_ daemon: DaemonCommandLine) throws {
        guard let (fixture, client) = try session(daemon) else { return }
        defer { client.close(); _ = fixture }
        let content = (0..<(64 * 4096)).map { UInt8(truncatingIfNeeded: $0 / 4096 &+ $0) }
        try writeHostFile(fixture.shared + "/data", content)
        try client.initialize()
        let e = try client.lookup(parent: FuseProtocol.rootID, name: "data")
        let h = try client.open(node: e.nodeid, flags: O_RDONLY)
        let mismatches = Mutex(0)
        let done = DispatchGroupLike()
        for i in 0..<256 {
            let block = i % 64
            done.enter()
            let args = FuseReadIn(fh: h.fh, offset: UInt64(block * 4096), size: 4096, flags: UInt32(O_RDONLY)).bytes
            try client.submit(opcode: .read, nodeid: e.nodeid, args: args, replyCapacity: 4096) { result in
                if case .success(let view) = result, view.error == 0,
                   [UInt8](view.body) == Array(content[block * 4096..<(block + 1) * 4096]) {
                } else {
                    mismatches.withLock { $0 += 1 }
                }
                done.leave()
            }
        }
        #expect(done.wait(seconds: 30))
        #expect(mismatches.withLock { $0 } == 0)
    }
}

import Synchronization

/// A counter to wait for many completions (Dispatch's group, without Foundation).
final class DispatchGroupLike: @unchecked Sendable {
    private let count = Mutex(0)
    func enter() { count.withLock { $0 += 1 } }
    func leave() { count.withLock { $0 -= 1 } }
    func wait(seconds: Double) -> Bool {
        let deadline = monotonicSeconds() + seconds
        while count.withLock({ $0 }) > 0 {
            if monotonicSeconds() > deadline { return false }
            usleep(1000)
        }
        return true
    }
}

func readHostFile(_ path: String) throws -> [UInt8] {
    guard let text = try? hostBytes(path) else { throw DriverError(.system, "cannot read \(path)") }
    return text
}

func hostBytes(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw DriverError.system("open \(path)") }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return out
}

func writeHostFile(_ path: String, _ bytes: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw DriverError.system("open \(path)") }
    defer { close(fd) }
    let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard n == bytes.count else { throw DriverError.system("write \(path)") }
}

@Suite("DAX through real daemons", .serialized)
struct DaxPeerTests {
    /// straitd with a window maps file content into it (checked byte for byte, then
    /// REMOVEMAPPING); a daemon without SHMEM (both virtiofsd, straitd without --dax-window)
    /// gives the frontend no window and answers SETUPMAPPING with ENOSYS or EOPNOTSUPP.
    @Test("SETUPMAPPING maps file content into the window, or is refused cleanly",
          arguments: PeerDaemons.runnable + [StraitdDaxTests.spec("none")])
    func setupMapping(_ daemon: DaemonCommandLine) throws {
        let fixture = try DaemonFixture(daemon)
        let client = try FuseClient(frontend: try fixture.connect { $0.daxWindowSize = 64 << 20 })
        defer { client.close(); _ = fixture }
        let content = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: ($0 >> 9) &* 13 &+ $0) }
        try writeHostFile(fixture.shared + "/dax.bin", content)
        try client.initialize()
        let e = try client.lookup(parent: FuseProtocol.rootID, name: "dax.bin")
        let h = try client.open(node: e.nodeid, flags: O_RDONLY)
        let mapped = Result { () throws(DriverError) in
            try client.setupMapping(node: e.nodeid, handle: h.fh, fileOffset: 2 << 20, length: 2 << 20, windowOffset: 4 << 20)
        }
        guard let window = client.frontend.dax else {
            #expect(!daemon.arguments.contains { $0.hasPrefix("--dax-window") }, "\(daemon.name) offered no window")
            guard case .failure(let error) = mapped else {
                Issue.record("\(daemon.name) accepted SETUPMAPPING without a window")
                return
            }
            // The compiler of Swift 6.3 crashes on `catch where` with typed throws: hence Result.
            #expect(error.code == .fuse && (error.errno == ENOSYS || error.errno == EOPNOTSUPP), "\(daemon.name): \(error)")
            print("\(daemon.name): no DAX (\(error.message))")
            // The session is still fine afterwards.
            #expect(try client.getattr(node: e.nodeid).attr.size == UInt64(content.count))
            return
        }
        try mapped.get()
        #expect(window.counts.maps >= 1)
        #expect(try window.read(offset: (4 << 20) + 12345, count: 4096) == Array(content[(2 << 20) + 12345..<(2 << 20) + 12345 + 4096]))
        try client.removeMapping(node: e.nodeid, ranges: [(windowOffset: 4 << 20, length: 2 << 20)])
        #expect(window.counts.unmaps >= 1)
    }
}
