import CShims
import Glibc
import Testing
@testable import VhostUser

@Suite struct DirtyLogTests {
    private func makeLog(bytes: Int) throws -> (DirtyLog, UnsafeMutableRawPointer) {
        let fd = strait_memfd_create("log", 0)
        #expect(ftruncate(fd, off_t(bytes)) == 0)
        let log = DirtyLog()
        log.setMapping(try LogMapping(fd: OwnedFD(dup(fd)), description: LogDescription(size: UInt64(bytes), offset: 0)))
        let view = mmap(nil, bytes, PROT_READ, MAP_SHARED, fd, 0)!
        close(fd)
        return (log, view)
    }

    @Test func marksEveryPageOfARangeOnlyWhileLogging() throws {
        let (log, view) = try makeLog(bytes: 64)
        defer { munmap(view, 64) }
        log.mark(guest: 0, length: 4096)
        #expect(view.load(as: UInt8.self) == 0, "nothing is logged before LOG_ALL")
        log.setLogging(true)
        // Pages 1 and 2 (bytes 4095+2 straddle the boundary between pages 0 and 1).
        log.mark(guest: 4095, length: 2)
        #expect(view.load(as: UInt8.self) == 0b11)
        // Page 17: byte 2, bit 1.
        log.mark(guest: 17 * 4096 + 5, length: 1)
        #expect(view.load(fromByteOffset: 2, as: UInt8.self) == 0b10)
        // Beyond the log's end: ignored, no crash.
        log.mark(guest: 1 << 40, length: 4096)
    }

    @Test func marksWhatADeviceWroteIntoGuestBuffers() throws {
        let (log, view) = try makeLog(bytes: 1 << 18)
        defer { munmap(view, 1 << 18) }
        log.setLogging(true)
        let mem = try TestMemory(sizes: [1 << 20])
        let buffers = try mem.memory.translate(guest: TestMemory.guestBase + 3 * 4096, length: 8192)
        log.mark(writable: buffers, written: 4097, memory: mem.memory)
        let firstPage = Int(TestMemory.guestBase / 4096) + 3
        let byte = view.load(fromByteOffset: firstPage / 8, as: UInt8.self)
        #expect(byte & UInt8(1 << (firstPage % 8)) != 0)
        let second = firstPage + 1
        #expect(view.load(fromByteOffset: second / 8, as: UInt8.self) & UInt8(1 << (second % 8)) != 0)
        let third = firstPage + 2
        #expect(view.load(fromByteOffset: third / 8, as: UInt8.self) & UInt8(1 << (third % 8)) == 0)
    }
}
