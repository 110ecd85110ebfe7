import Glibc
import Synchronization
import VhostUser

/// The DAX window: address space of our own (a PCI BAR in a real VMM) into which the daemon asks
/// us to map file ranges through FS_MAP / FS_UNMAP on the backend-request channel. Unmapped parts
/// are PROT_NONE, so reading a range the daemon never mapped faults instead of reading zeros.
/// @unchecked: an address-space reservation behind a raw pointer (not Sendable to the compiler),
/// fixed at init; what is mapped into it is the daemon's to change, as in a real VMM.
public final class DaxWindowRegion: @unchecked Sendable {
    public let size: UInt64
    private let base: UnsafeMutableRawPointer
    /// Map/unmap counters, for tests that check the daemon really went through the window.
    private let stats = Mutex((maps: 0, unmaps: 0))

    public init(size: UInt64) throws(DriverError) {
        guard size > 0, size % UInt64(getpagesize()) == 0 else {
            throw DriverError(.memory, "DAX window size \(size) must be a nonzero multiple of the page size")
        }
        guard let p = mmap(nil, Int(size), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              p != MAP_FAILED else {
            throw .system("mmap DAX window")
        }
        self.size = size
        base = p
    }

    deinit { munmap(base, Int(size)) }

    public var counts: (maps: Int, unmaps: Int) { stats.withLock { $0 } }

    private func check(_ offset: UInt64, _ length: UInt64) throws(DriverError) {
        let page = UInt64(getpagesize())
        guard length > 0, offset % page == 0, length % page == 0,
              offset <= size, length <= size - offset else {
            throw DriverError(.memory, "DAX range 0x\(String(offset, radix: 16))+0x\(String(length, radix: 16)) is outside the 0x\(String(size, radix: 16))-byte window or unaligned")
        }
    }

    /// FS_MAP: the file range [fdOffset, +length) of `fd` appears at window offset `offset`.
    public func map(fd: Int32, fdOffset: UInt64, offset: UInt64, length: UInt64, flags: UInt64) throws(DriverError) {
        try check(offset, length)
        // A backend is as untrusted to this frontend as a guest is to the backend.
        guard fdOffset <= UInt64(Int64.max) - length else {
            throw DriverError(.memory, "FS_MAP file offset 0x\(String(fdOffset, radix: 16)) + 0x\(String(length, radix: 16)) is past off_t")
        }
        var prot: Int32 = 0
        if flags & FsMapMessage.flagRead != 0 { prot |= PROT_READ }
        if flags & FsMapMessage.flagWrite != 0 { prot |= PROT_WRITE }
        let p = mmap(base + Int(offset), Int(length), prot, MAP_SHARED | MAP_FIXED, fd, off_t(fdOffset))
        if p == MAP_FAILED { throw .system("mmap into DAX window") }
        stats.withLock { $0.maps += 1 }
    }

    /// FS_UNMAP: back to inaccessible. A length of all ones means "to the end of the window".
    public func unmap(offset: UInt64, length: UInt64) throws(DriverError) {
        let len = length == UInt64.max ? size &- offset : length
        try check(offset, len)
        let p = mmap(base + Int(offset), Int(len), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0)
        if p == MAP_FAILED { throw .system("unmap DAX window range") }
        stats.withLock { $0.unmaps += 1 }
    }

    /// Copies `count` bytes from the window (the range must be mapped readable).
    public func read(offset: UInt64, count: Int) throws(DriverError) -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw DriverError(.memory, "DAX read outside the window")
        }
        return [UInt8](UnsafeRawBufferPointer(start: base + Int(offset), count: count))
    }

    /// Copies bytes out of the window into a caller's buffer without allocating (benchmarks).
    public func copy(offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(DriverError) {
        guard offset <= size, UInt64(buffer.count) <= size - offset, let dst = buffer.baseAddress else {
            throw DriverError(.memory, "DAX read outside the window")
        }
        dst.copyMemory(from: base + Int(offset), byteCount: buffer.count)
    }
}
