import CShims
import FUSE
import Glibc
import Testing
@testable import VhostUserDriver

/// O_DIRECT beside a DAX mapping of the same file (issue 10): the window is a shared mapping of the
/// host's page cache, while O_DIRECT (straitd's, with --allow-direct-io, or a host process's)
/// bypasses that cache. Whatever goes in one way must come out the other ways: the window, a FUSE
/// READ, and the host file read with and without O_DIRECT.
extension StraitdDaxTests {
    static let page = 4096

    /// The host's O_DIRECT pread of `count` bytes (a multiple of the page) at `offset`.
    func directRead(_ path: String, offset: Int, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | strait_O_DIRECT)
        guard fd >= 0 else { throw DriverError.system("open O_DIRECT \(path)") }
        defer { close(fd) }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, Self.page, count) == 0, let raw else { throw DriverError.system("posix_memalign") }
        defer { free(raw) }
        let n = pread(fd, raw, count, off_t(offset))
        guard n >= 0 else { throw DriverError.system("pread O_DIRECT \(path)") }
        return Array(UnsafeRawBufferPointer(start: raw, count: n))
    }

    /// The host's O_DIRECT pwrite of `bytes` (a multiple of the page) at `offset`.
    func directWrite(_ path: String, offset: Int, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | strait_O_DIRECT)
        guard fd >= 0 else { throw DriverError.system("open O_DIRECT \(path)") }
        defer { close(fd) }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, Self.page, bytes.count) == 0, let raw else { throw DriverError.system("posix_memalign") }
        defer { free(raw) }
        bytes.withUnsafeBytes { raw.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        guard pwrite(fd, raw, bytes.count, off_t(offset)) == bytes.count else { throw DriverError.system("pwrite O_DIRECT \(path)") }
    }

    /// Whether the daemon holds `path` open with O_DIRECT (the flags line of /proc/PID/fdinfo).
    func daemonHasDirectDescriptor(_ pid: pid_t, _ path: String) throws -> Bool {
        let dir = "/proc/\(pid)/fd"
        guard let d = opendir(dir) else { throw DriverError.system("opendir \(dir)") }
        defer { closedir(d) }
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            var target = [CChar](repeating: 0, count: 4096)
            let n = readlink(dir + "/" + name, &target, target.count - 1)
            guard n > 0, String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) == path,
                  let info = try? hostBytes("/proc/\(pid)/fdinfo/\(name)") else { continue }
            let flags = String(decoding: info, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("flags:") }
            if let flags, let value = Int32(String(flags.dropFirst(6).filter { $0 != " " && $0 != "\t" }), radix: 8),
               value & strait_O_DIRECT != 0 { return true }
        }
        return false
    }

    @Test("O_DIRECT beside a writable mapping: FUSE WRITE, the window, FUSE READ and the host (buffered and O_DIRECT) agree, both ways",
          arguments: [false, true])
    func directBesideMapping(_ allowDirectIO: Bool) throws {
        let (fixture, client) = try session(extra: allowDirectIO ? ["--allow-direct-io"] : [])
        defer { client.close(); _ = fixture }
        let path = fixture.shared + "/direct.bin"
        let content = pattern(3 << 20 + 100, seed: 7)
        try writeHostFile(path, content)
        let e = try client.lookup(parent: FuseProtocol.rootID, name: "direct.bin")
        // The guest's open(O_DIRECT): with --allow-direct-io straitd's host descriptor is O_DIRECT too.
        let direct = try client.open(node: e.nodeid, flags: O_RDWR | strait_O_DIRECT)
        let buffered = try client.open(node: e.nodeid, flags: O_RDWR)
        #expect(try daemonHasDirectDescriptor(fixture.process.pid, path) == allowDirectIO)
        let window = try #require(client.frontend.dax)
        try client.setupMapping(node: e.nodeid, handle: UInt64.max, fileOffset: 0, length: Self.chunk, windowOffset: 0, writable: true)
        try client.setupMapping(node: e.nodeid, handle: UInt64.max, fileOffset: Self.chunk, length: Self.chunk, windowOffset: Self.chunk, writable: true)
        // Fault every mapped page in first, so stale pages would show.
        #expect(try window.read(offset: 0, count: content.count) == content)

        // 1. A guest O_DIRECT write (FUSE WRITE from page-aligned pinned pages) into the mapped range.
        let b = pattern(2 * Self.page, seed: 8)
        #expect(try client.write(node: e.nodeid, handle: direct.fh, offset: UInt64(Self.page), data: b, alignment: Self.page) == UInt32(b.count))
        #expect(try window.read(offset: UInt64(Self.page), count: b.count) == b, "the window kept stale pages after an O_DIRECT WRITE")
        #expect(try client.read(node: e.nodeid, handle: buffered.fh, offset: UInt64(Self.page), size: b.count) == b)
        #expect(Array(try readHostFile(path)[Self.page..<(3 * Self.page)]) == b)
        #expect(try directRead(path, offset: Self.page, count: b.count) == b)

        // 2. The reverse: a store through the window, then FUSE READ and the host's O_DIRECT read.
        let d = pattern(Self.page, seed: 9)
        try window.write(offset: 16 * UInt64(Self.page), bytes: d)
        #expect(try client.read(node: e.nodeid, handle: buffered.fh, offset: 16 * UInt64(Self.page), size: d.count) == d)
        #expect(try directRead(path, offset: 16 * Self.page, count: d.count) == d, "an O_DIRECT read missed a store through the window")

        // 3. A host process's O_DIRECT write into the mapped range: the window drops its pages.
        let h = pattern(Self.page, seed: 10)
        try directWrite(path, offset: 32 * Self.page, h)
        #expect(try window.read(offset: 32 * UInt64(Self.page), count: h.count) == h, "the window kept stale pages after a host O_DIRECT write")
        #expect(try client.read(node: e.nodeid, handle: buffered.fh, offset: 32 * UInt64(Self.page), size: h.count) == h)

        // 4. An O_DIRECT WRITE that extends the file past its odd-sized tail while the tail is mapped:
        // the window grows over it (to the chunk's end, one map) before the reply, the hole
        // between reads as zeros everywhere.
        let tailStart = 3 << 20 + Self.page
        let t = pattern(Self.page, seed: 11)
        #expect(try client.write(node: e.nodeid, handle: direct.fh, offset: UInt64(tailStart), data: t, alignment: Self.page) == UInt32(t.count))
        #expect(window.liveMaps.filter { $0.key >= Self.chunk }.values.reduce(0, +) == Self.chunk)
        #expect(window.liveMaps.filter { $0.key >= Self.chunk }.count == 2)
        let hole = [UInt8](repeating: 0, count: Self.page - 100)
        #expect(try window.read(offset: Self.chunk + (1 << 20) + 100, count: hole.count) == hole)
        #expect(try window.read(offset: Self.chunk + (1 << 20) + UInt64(Self.page), count: t.count) == t)
        let host = try readHostFile(path)
        #expect(host.count == tailStart + Self.page)
        #expect(Array(host[(3 << 20)..<(3 << 20) + 100]) == Array(content[(3 << 20)...]))
        #expect(Array(host[tailStart...]) == t)
        #expect(try directRead(path, offset: tailStart, count: Self.page) == t)
        try client.release(node: e.nodeid, handle: direct.fh)
        try client.release(node: e.nodeid, handle: buffered.fh)
    }
}
