import Glibc
import Synchronization
import VhostUser

/// The DAX window: address space of our own (a PCI BAR in a real VMM) into which the daemon asks
/// us to map file ranges through SHMEM_MAP / SHMEM_UNMAP on the backend-request channel, checked
/// as QEMU 11.1 checks them (and a little stricter): the range lies in the window, page aligned;
/// the file reaches `fd_offset + length` (QEMU refuses a map past EOF and would grow an empty
/// file); maps do not overlap; an unmap names exactly one earlier map. Unmapped parts are
/// PROT_NONE, so reading a range the daemon never mapped faults instead of reading zeros.
/// @unchecked: an address-space reservation behind a raw pointer (not Sendable to the compiler),
/// fixed at init; what is mapped into it is the daemon's to change, as in a real VMM.
public final class DaxWindowRegion: @unchecked Sendable {
    public let size: UInt64
    private let base: UnsafeMutableRawPointer
    /// Live maps by window offset (their lengths), and counters for tests and benchmarks.
    private let state = Mutex((live: [UInt64: UInt64](), maps: 0, unmaps: 0))

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

    /// The frontend's address of window offset `offset` (the userspace address of a region).
    public func address(_ offset: UInt64) -> UInt64 { UInt64(UInt(bitPattern: base)) + offset }

    public var counts: (maps: Int, unmaps: Int) { state.withLock { ($0.maps, $0.unmaps) } }
    /// The maps in place now: window offset -> length.
    public var liveMaps: [UInt64: UInt64] { state.withLock { $0.live } }

    private func check(_ offset: UInt64, _ length: UInt64) throws(DriverError) {
        let page = UInt64(getpagesize())
        guard length > 0, offset % page == 0, length % page == 0,
              offset <= size, length <= size - offset else {
            throw DriverError(.memory, "DAX range 0x\(String(offset, radix: 16))+0x\(String(length, radix: 16)) is outside the 0x\(String(size, radix: 16))-byte window or unaligned")
        }
    }

    /// SHMEM_MAP: the file range [fdOffset, +length) of `fd` appears at window offset `offset`.
    public func map(fd: Int32, fdOffset: UInt64, offset: UInt64, length: UInt64, writable: Bool) throws(DriverError) {
        try check(offset, length)
        // A backend is as untrusted to this frontend as a guest is to the backend.
        guard fdOffset % UInt64(getpagesize()) == 0, fdOffset <= UInt64(Int64.max) - length else {
            throw DriverError(.memory, "SHMEM_MAP file offset 0x\(String(fdOffset, radix: 16)) unaligned or + 0x\(String(length, radix: 16)) past off_t")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system("fstat SHMEM_MAP fd") }
        guard st.st_mode & S_IFMT == S_IFREG, st.st_size > 0, fdOffset + length <= UInt64(st.st_size) else {
            throw DriverError(.memory, "SHMEM_MAP of 0x\(String(fdOffset, radix: 16))+0x\(String(length, radix: 16)) passes the end of a \(st.st_size)-byte file (QEMU refuses it; an empty file it would grow)")
        }
        try state.withLock { s throws(DriverError) in
            if let clash = s.live.first(where: { $0.key < offset + length && offset < $0.key + $0.value }) {
                throw DriverError(.memory, "SHMEM_MAP at 0x\(String(offset, radix: 16)) overlaps the map at 0x\(String(clash.key, radix: 16))")
            }
            let prot = PROT_READ | (writable ? PROT_WRITE : 0)
            let p = mmap(base + Int(offset), Int(length), prot, MAP_SHARED | MAP_FIXED, fd, off_t(fdOffset))
            if p == MAP_FAILED { throw .system("mmap into DAX window") }
            s.live[offset] = length
            s.maps += 1
        }
    }

    /// SHMEM_UNMAP: back to inaccessible; must name exactly one earlier map.
    public func unmap(offset: UInt64, length: UInt64) throws(DriverError) {
        try check(offset, length)
        try state.withLock { s throws(DriverError) in
            guard s.live[offset] == length else {
                throw DriverError(.memory, "SHMEM_UNMAP of 0x\(String(offset, radix: 16))+0x\(String(length, radix: 16)) matches no map")
            }
            let p = mmap(base + Int(offset), Int(length), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0)
            if p == MAP_FAILED { throw .system("unmap DAX window range") }
            s.live[offset] = nil
            s.unmaps += 1
        }
    }

    /// The device was reset: every map goes, as QEMU drops them.
    public func reset() {
        state.withLock { s in
            _ = mmap(base, Int(size), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0)
            s.live.removeAll()
        }
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

    /// Copies bytes into the window (the range must be mapped writable: a read-only map faults).
    public func write(offset: UInt64, bytes: [UInt8]) throws(DriverError) {
        guard offset <= size, UInt64(bytes.count) <= size - offset else {
            throw DriverError(.memory, "DAX write outside the window")
        }
        bytes.withUnsafeBytes { (base + Int(offset)).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// Whether the page at `offset` is mapped writable (from /proc/self/maps), without touching it.
    public func isWritable(offset: UInt64) -> Bool {
        let address = UInt(bitPattern: base + Int(offset))
        guard let f = fopen("/proc/self/maps", "r") else { return false }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fields = text.split(separator: " ")
            guard fields.count >= 2 else { continue }
            let range = fields[0].split(separator: "-").compactMap { UInt(String($0), radix: 16) }
            guard range.count == 2, range[0] <= address, address < range[1] else { continue }
            return fields[1].dropFirst().first == "w"
        }
        return false
    }
}
