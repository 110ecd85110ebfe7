import DaemonLaunch
import FUSE
import Glibc
import Matrix
import Testing
import VhostUser
@testable import VhostUserDriver

/// straitd's DAX window against the frontend, which checks every SHMEM_MAP as QEMU 11.1 does
/// (never past EOF, never an empty file, unmaps that match a map exactly): the data seen through
/// the window is the file's for sizes that are not page or 2 MiB multiples, empty files, files
/// grown or shrunk while mapped, and the host file's size and mtime survive the page rounding.
@Suite("straitd DAX window (SHMEM_MAP)", .serialized)
struct StraitdDaxTests {
    static let window: UInt64 = 16 << 20
    static let chunk: UInt64 = 2 << 20
    static func spec(_ sandbox: String, extra: [String] = []) -> DaemonCommandLine {
        DaemonCommandLine(name: "straitd-dax-\(sandbox)", arguments: [
            PeerDaemons.straitdBinary, "--socket-path={socket}", "--shared-dir={dir}", "--cache=auto",
            "--sandbox=\(sandbox)", "--dax-window=16M", "--tag=strait-dax",
        ] + extra)
    }
    static let isRoot = geteuid() == 0

    func session(_ sandbox: String = "none", extra: [String] = []) throws -> (DaemonFixture, FuseClient) {
        let fixture = try DaemonFixture(Self.spec(sandbox, extra: extra))
        let client = try FuseClient(frontend: try fixture.connect { $0.daxWindowSize = 64 << 20 })
        // The frontend hands each map to straitd as a memory region before acking it, as QEMU
        // does: a daemon that stops its rings for that would hang here, not pass.
        client.callTimeout = 10
        try client.initialize()
        return (fixture, client)
    }

    func pattern(_ count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 >> 7) &* 31 &+ $0 &+ seed) }
    }

    @Test("GET_CONFIG carries the tag and one request queue, GET_SHMEM_CONFIG the window")
    func configSpace() throws {
        let (fixture, client) = try session()
        defer { client.close(); _ = fixture }
        let f = client.frontend
        #expect(f.protocolFeatures & ProtocolFeature.shmem != 0 && f.protocolFeatures & ProtocolFeature.config != 0)
        #expect(f.dax?.size == Self.window)
        let config = try #require(f.deviceConfig)
        #expect(Array(config[0..<10]) == Array("strait-dax".utf8) && config[10] == 0)
        #expect(Array(config[36..<40]) == [1, 0, 0, 0])
    }

    @Test("a file of 3 MiB + 100 bytes: full chunk, then the tail to its page, host size and mtime kept",
          arguments: isRoot ? ["none", "namespace"] : ["none"])
    func tailChunk(_ sandbox: String) throws {
        let (fixture, client) = try session(sandbox)
        defer { client.close(); _ = fixture }
        let content = pattern(3 << 20 + 100, seed: 1)
        let path = fixture.shared + "/tail.bin"
        try writeHostFile(path, content)
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 5), timespec(tv_sec: 1_000_000, tv_nsec: 7)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        let e = try client.lookup(parent: FuseProtocol.rootID, name: "tail.bin")
        let h = try client.open(node: e.nodeid, flags: O_RDONLY)
        let window = try #require(client.frontend.dax)
        try client.setupMapping(node: e.nodeid, handle: h.fh, fileOffset: 0, length: Self.chunk, windowOffset: 0)
        // Linux sends fh = -1: the node names the file.
        try client.setupMapping(node: e.nodeid, handle: UInt64.max, fileOffset: Self.chunk, length: Self.chunk, windowOffset: 4 << 20)
        #expect(window.liveMaps == [0: Self.chunk, 4 << 20: (1 << 20) + 4096])
        #expect(try window.read(offset: 0, count: Int(Self.chunk)) == Array(content[0..<Int(Self.chunk)]))
        #expect(try window.read(offset: 4 << 20, count: (1 << 20) + 100) == Array(content[Int(Self.chunk)...]))
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_size == content.count)
        #expect(st.st_mtim.tv_sec == 1_000_000 && st.st_mtim.tv_nsec == 7)
        // The frontend keeps its maps after RELEASE (the guest keeps using the ranges).
        try client.release(node: e.nodeid, handle: h.fh, flags: O_RDONLY)
        #expect(window.liveMaps.count == 2)
        try client.removeMapping(node: e.nodeid, ranges: [(windowOffset: 0, length: Self.chunk), (windowOffset: 4 << 20, length: Self.chunk)])
        #expect(window.liveMaps.isEmpty)
    }

    @Test("an empty file maps nothing; a WRITE that grows it maps the chunk before the reply, once")
    func emptyThenGrown() throws {
        let (fixture, client) = try session()
        defer { client.close(); _ = fixture }
        let (e, h) = try client.create(parent: FuseProtocol.rootID, name: "grow.bin")
        let window = try #require(client.frontend.dax)
        try client.setupMapping(node: e.nodeid, handle: h.fh, fileOffset: 0, length: Self.chunk, windowOffset: 2 << 20, writable: true)
        #expect(window.liveMaps.isEmpty)
        let data = pattern(5000, seed: 2)
        _ = try client.write(node: e.nodeid, handle: h.fh, offset: 0, data: data)
        // The whole chunk at once (the file grown to its end for the instant of the map): one
        // map however the file grows within it, never one per page.
        #expect(window.liveMaps == [2 << 20: Self.chunk])
        #expect(try readHostFile(fixture.shared + "/grow.bin").count == 5000)
        #expect(try window.read(offset: 2 << 20, count: 5000) == data)
        // The host appends; the guest learns the size from GETATTR, and the window follows.
        let more = pattern(1 << 20, seed: 3)
        let fd = open(fixture.shared + "/grow.bin", O_WRONLY | O_APPEND)
        #expect(more.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == more.count)
        close(fd)
        #expect(try client.getattr(node: e.nodeid).attr.size == UInt64(5000 + more.count))
        #expect(window.liveMaps == [2 << 20: Self.chunk] && window.counts.maps == 1)
        #expect(try window.read(offset: (2 << 20) + 5000, count: more.count) == more)
        // Written through the window (a writable map), the bytes are in the host file.
        try window.write(offset: (2 << 20) + 10, bytes: [0xAA, 0xBB])
        #expect(Array(try readHostFile(fixture.shared + "/grow.bin")[10..<12]) == [0xAA, 0xBB])
    }

    @Test("SETATTR shrinking unmaps what lies past the end; growing again maps it back")
    func truncatedWhileMapped() throws {
        let (fixture, client) = try session()
        defer { client.close(); _ = fixture }
        let content = pattern(4 << 20, seed: 4)
        try writeHostFile(fixture.shared + "/t.bin", content)
        let e = try client.lookup(parent: FuseProtocol.rootID, name: "t.bin")
        let h = try client.open(node: e.nodeid)
        let window = try #require(client.frontend.dax)
        try client.setupMapping(node: e.nodeid, handle: h.fh, fileOffset: 0, length: Self.chunk, windowOffset: 0, writable: true)
        try client.setupMapping(node: e.nodeid, handle: h.fh, fileOffset: Self.chunk, length: Self.chunk, windowOffset: Self.chunk, writable: true)
        #expect(window.liveMaps == [0: Self.chunk, Self.chunk: Self.chunk])
        _ = try client.setattr(node: e.nodeid, FuseSetattrIn(valid: FuseSetattrValid.size, size: 1 << 20))
        #expect(window.liveMaps == [0: Self.chunk])
        let tail = pattern(1 << 20, seed: 5)
        _ = try client.write(node: e.nodeid, handle: h.fh, offset: 3 << 20, data: tail)
        #expect(window.liveMaps == [0: Self.chunk, Self.chunk: Self.chunk])
        #expect(try window.read(offset: 3 << 20, count: 1 << 20) == tail)
        #expect(try window.read(offset: 0, count: 1 << 20) == Array(content[0..<(1 << 20)]))
        #expect(try window.read(offset: 1 << 20, count: 1 << 20) == [UInt8](repeating: 0, count: 1 << 20))
    }

    @Test("a read-only range upgraded to writable at the same window offset is remapped, not refused")
    func upgrade() throws {
        let (fixture, client) = try session()
        defer { client.close(); _ = fixture }
        try writeHostFile(fixture.shared + "/u.bin", pattern(8192, seed: 6))
        let e = try client.lookup(parent: FuseProtocol.rootID, name: "u.bin")
        let h = try client.open(node: e.nodeid)
        let window = try #require(client.frontend.dax)
        try client.setupMapping(node: e.nodeid, handle: h.fh, fileOffset: 0, length: Self.chunk, windowOffset: 0)
        #expect(!window.isWritable(offset: 0))
        try client.setupMapping(node: e.nodeid, handle: h.fh, fileOffset: 0, length: Self.chunk, windowOffset: 0, writable: true)
        #expect(window.isWritable(offset: 0))
        #expect(window.counts == (maps: 2, unmaps: 1))
    }

    /// The runner proves a DAX cell used its window by straitd's own count of maps, read from its
    /// log (`Cell.daxMapCount`): that reading must give the frontend's count for a real straitd,
    /// from the power-of-two lines while it runs and from its exit line.
    @Test("the harness reads straitd's map count from its log: equal to the frontend's, running and at exit")
    func mapCountInTheLog() throws {
        let (fixture, client) = try session()
        try writeHostFile(fixture.shared + "/m.bin", pattern(3 << 20, seed: 12))
        let e = try client.lookup(parent: FuseProtocol.rootID, name: "m.bin")
        let window = try #require(client.frontend.dax)
        for slot in 0..<4 {
            try client.setupMapping(node: e.nodeid, handle: UInt64.max, fileOffset: 0, length: Self.chunk, windowOffset: UInt64(slot) * Self.chunk)
        }
        try client.setupMapping(node: e.nodeid, handle: UInt64.max, fileOffset: 0, length: Self.chunk, windowOffset: 0, writable: true)
        let maps = UInt64(window.counts.maps)
        #expect(maps == 5)
        let log = fixture.root + "/daemon.log"
        // While it runs: the line at 4 maps (the fifth is not a power of two).
        #expect(Cell.daxMapCount(daemonLog: String(decoding: try readHostFile(log), as: UTF8.self)) == 4)
        // straitd writes its exit line when the frontend goes away, as a VM's shutdown does; a
        // SIGTERM right after the close could beat that (it failed 2 of 3 suites under load).
        client.close()
        #expect(fixture.process.waitForExit(timeout: 20), "straitd did not exit after the frontend disconnected")
        fixture.process.stop()
        let text = String(decoding: try readHostFile(log), as: UTF8.self)
        #expect(Cell.daxMapCount(daemonLog: text) == maps, "\(text.suffix(600))")
        #expect(text.contains("failures=0"), "\(text.suffix(600))")
    }
}
