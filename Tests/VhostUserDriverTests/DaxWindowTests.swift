import CShims
import Glibc
import Testing
import VhostUser
@testable import VhostUserDriver

/// The frontend's side of DAX: the daemon (played here by the test over a socketpair) sends
/// FS_MAP / FS_UNMAP with an fd; the handler maps it into the window and acks.
@Suite("DAX window and backend-request channel")
struct DaxWindowTests {
    func memfd(_ bytes: [UInt8]) throws -> OwnedFD {
        let fd = strait_memfd_create("dax-test", 1)
        guard fd >= 0 else { throw DriverError.system("memfd_create") }
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        #expect(n == bytes.count)
        return OwnedFD(fd)
    }

    func mapMessage(_ ranges: [FsMapMessage.Range]) -> [UInt8] {
        var w = ByteWriterProxy()
        FsMapMessage(ranges: ranges).encode(into: &w.writer)
        return w.writer.bytes
    }

    @Test("FS_MAP maps the file range at the window offset, FS_UNMAP removes it, both acked")
    func mapAndUnmap() throws {
        let window = try DaxWindowRegion(size: 8 << 20)
        let (ours, theirs) = try UnixSocket.pair()
        let handler = BackendRequestHandler(fd: ours, window: window)
        try handler.start()
        defer { handler.stop() }
        let daemon = Channel(fd: theirs)
        let content = (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 >> 12 ^ $0) }
        let file = try memfd(content)
        let map = mapMessage([.init(fdOffset: 1 << 20, cacheOffset: 4 << 20, length: 1 << 20, flags: FsMapMessage.flagRead)])
        #expect(try daemon.sendAwaitingAck(request: BackendRequest.fsMap.rawValue, payload: map, fds: [file.rawValue]) == 0)
        let seen = try window.read(offset: (4 << 20) + 4096, count: 4096)
        #expect(seen == Array(content[(1 << 20) + 4096..<(1 << 20) + 8192]))
        #expect(window.counts.maps == 1)
        let unmap = mapMessage([.init(fdOffset: 0, cacheOffset: 4 << 20, length: 1 << 20, flags: 0)])
        #expect(try daemon.sendAwaitingAck(request: BackendRequest.fsUnmap.rawValue, payload: unmap) == 0)
        #expect(window.counts.unmaps == 1)
        // Out of the window, unaligned, or without an fd: refused (nonzero ack), nothing mapped.
        let outside = mapMessage([.init(fdOffset: 0, cacheOffset: 7 << 20, length: 2 << 20, flags: FsMapMessage.flagRead)])
        #expect(try daemon.sendAwaitingAck(request: BackendRequest.fsMap.rawValue, payload: outside, fds: [file.rawValue]) != 0)
        let unaligned = mapMessage([.init(fdOffset: 0, cacheOffset: 100, length: 4096, flags: FsMapMessage.flagRead)])
        #expect(try daemon.sendAwaitingAck(request: BackendRequest.fsMap.rawValue, payload: unaligned, fds: [file.rawValue]) != 0)
        #expect(try daemon.sendAwaitingAck(request: BackendRequest.fsMap.rawValue, payload: map) != 0)
        #expect(window.counts.maps == 1)
        #expect(handler.events.count == 3)
    }

    @Test("a window refuses a size that is not whole pages")
    func badSize() {
        #expect(throws: DriverError.self) { try DaxWindowRegion(size: 1000) }
    }
}

import Wire

/// ByteWriter through a var, for encode(into:) calls in expressions.
struct ByteWriterProxy { var writer = ByteWriter() }
