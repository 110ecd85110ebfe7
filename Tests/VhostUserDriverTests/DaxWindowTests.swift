import CShims
import Glibc
import Testing
import VhostUser
@testable import VhostUserDriver

/// The frontend's side of DAX: the daemon (played here by the test over a socketpair) sends
/// SHMEM_MAP / SHMEM_UNMAP with an fd; the handler checks them as QEMU 11.1 does, maps into the
/// window and acks. Hostile maps (outside, unaligned, wrong shmid, past EOF, empty file,
/// overlapping, an unmap that matches no map, no fd) are refused and change nothing.
@Suite("DAX window and backend-request channel")
struct DaxWindowTests {
    func memfd(_ bytes: [UInt8]) throws -> OwnedFD {
        let fd = strait_memfd_create("dax-test", 1)
        guard fd >= 0 else { throw DriverError.system("memfd_create") }
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        #expect(n == bytes.count)
        return OwnedFD(fd)
    }

    func message(shmid: UInt8 = 0, file: UInt64, window: UInt64, length: UInt64, writable: Bool = false) -> [UInt8] {
        var w = ByteWriterProxy()
        ShmemMapMessage(shmid: shmid, fdOffset: file, shmOffset: window, length: length,
                        flags: writable ? ShmemMapMessage.flagWritable : 0).encode(into: &w.writer)
        return w.writer.bytes
    }

    @Test("SHMEM_MAP maps the file range at the window offset, SHMEM_UNMAP removes it, both acked")
    func mapAndUnmap() throws {
        let window = try DaxWindowRegion(size: 8 << 20)
        let (ours, theirs) = try UnixSocket.pair()
        let handler = BackendRequestHandler(fd: ours, window: window)
        try handler.start()
        defer { handler.stop() }
        let daemon = Channel(fd: theirs)
        let content = (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 >> 12 ^ $0) }
        let file = try memfd(content)
        let map = BackendRequest.shmemMap.rawValue, unmap = BackendRequest.shmemUnmap.rawValue
        #expect(try daemon.sendAwaitingAck(request: map, payload: message(file: 1 << 20, window: 4 << 20, length: 1 << 20), fds: [file.rawValue]) == 0)
        let seen = try window.read(offset: (4 << 20) + 4096, count: 4096)
        #expect(seen == Array(content[(1 << 20) + 4096..<(1 << 20) + 8192]))
        #expect(window.counts.maps == 1 && window.liveMaps == [4 << 20: 1 << 20])
        // An unmap must match the map exactly.
        #expect(try daemon.sendAwaitingAck(request: unmap, payload: message(file: 0, window: 4 << 20, length: 4096)) != 0)
        #expect(try daemon.sendAwaitingAck(request: unmap, payload: message(file: 0, window: 4 << 20, length: 1 << 20)) == 0)
        #expect(window.counts.unmaps == 1 && window.liveMaps.isEmpty)
        let empty = try memfd([])
        let hostile: [(String, [UInt8], [Int32])] = [
            ("outside the window", message(file: 0, window: 7 << 20, length: 2 << 20), [file.rawValue]),
            ("unaligned window offset", message(file: 0, window: 100, length: 4096), [file.rawValue]),
            ("unaligned file offset", message(file: 100, window: 0, length: 4096), [file.rawValue]),
            ("shmid 1", message(shmid: 1, file: 0, window: 0, length: 4096), [file.rawValue]),
            ("past the end of the file", message(file: 1 << 20, window: 0, length: 2 << 20), [file.rawValue]),
            ("an empty file", message(file: 0, window: 0, length: 4096), [empty.rawValue]),
            ("no fd", message(file: 0, window: 0, length: 4096), []),
            ("two fds", message(file: 0, window: 0, length: 4096), [file.rawValue, file.rawValue]),
            ("a wrapping length", message(file: 4096, window: 0, length: UInt64.max - 4095), [file.rawValue]),
        ]
        for (what, payload, fds) in hostile {
            #expect(try daemon.sendAwaitingAck(request: map, payload: payload, fds: fds) != 0, "\(what) was mapped")
        }
        #expect(window.counts.maps == 1 && window.liveMaps.isEmpty)
        // Overlapping an existing map is refused too.
        #expect(try daemon.sendAwaitingAck(request: map, payload: message(file: 0, window: 0, length: 8192), fds: [file.rawValue]) == 0)
        #expect(try daemon.sendAwaitingAck(request: map, payload: message(file: 0, window: 4096, length: 4096), fds: [file.rawValue]) != 0)
        #expect(handler.events.count == hostile.count + 2)
    }

    @Test("a read-only map is not writable, a writable one writes through to the file")
    func protection() throws {
        let window = try DaxWindowRegion(size: 2 << 20)
        let file = try memfd([UInt8](repeating: 1, count: 8192))
        try window.map(fd: file.rawValue, fdOffset: 0, offset: 0, length: 4096, writable: true)
        try window.write(offset: 10, bytes: [9, 9])
        var back = [UInt8](repeating: 0, count: 2)
        #expect(pread(file.rawValue, &back, 2, 10) == 2 && back == [9, 9])
        try window.map(fd: file.rawValue, fdOffset: 4096, offset: 4096, length: 4096, writable: false)
        #expect(!window.isWritable(offset: 4096))
        #expect(window.isWritable(offset: 0))
    }

    @Test("a window refuses a size that is not whole pages")
    func badSize() {
        #expect(throws: DriverError.self) { try DaxWindowRegion(size: 1000) }
    }
}

import Wire

/// ByteWriter through a var, for encode(into:) calls in expressions.
struct ByteWriterProxy { var writer = ByteWriter() }
