import CShims
import Glibc
import VhostUser

/// How the frontend lays out guest memory.
public struct GuestMemoryLayout: Sendable {
    /// Total bytes of guest RAM (split evenly between the regions).
    public var size: UInt64
    /// One or two regions; two exercise the daemon's region lookup and a nonzero mmap offset.
    public var regionCount: Int

    public init(size: UInt64 = 256 << 20, regionCount: Int = 2) {
        self.size = size
        self.regionCount = regionCount
    }
}

/// Guest RAM in one memfd, mapped once into our address space and cut into regions whose guest
/// physical addresses are deliberately unlike our user addresses, so a daemon that confuses the
/// two address spaces fails loudly instead of working by accident.
/// @unchecked: one mapping behind a raw pointer (not Sendable to the compiler), fixed at init;
/// the bytes are the guest's, shared with the daemon by design.
public final class GuestMemoryImage: @unchecked Sendable {
    public struct Region: Sendable, Equatable {
        public let guestPhysAddr: UInt64
        public let size: UInt64
        /// Offset of the region in the memfd (the mmap_offset sent to the daemon).
        public let fileOffset: UInt64
        /// Where the region lives in our address space (the userspace_addr sent to the daemon).
        public let userAddr: UInt64
    }

    /// Guest physical bases: 1 GiB and 6 GiB, never near a user-space mapping.
    public static let regionBases: [UInt64] = [0x4000_0000, 0x1_8000_0000]
    private static let alignment: UInt64 = 2 << 20

    public let fd: OwnedFD
    public let regions: [Region]
    private let base: UnsafeMutableRawPointer
    private let mappedSize: Int

    public init(layout: GuestMemoryLayout = GuestMemoryLayout()) throws(DriverError) {
        guard (1...2).contains(layout.regionCount) else {
            throw DriverError(.memory, "guest memory needs 1 or 2 regions, not \(layout.regionCount)")
        }
        let perRegion = (layout.size / UInt64(layout.regionCount)) / Self.alignment * Self.alignment
        guard perRegion >= Self.alignment else {
            throw DriverError(.memory, "guest memory of \(layout.size) bytes is too small")
        }
        let total = perRegion * UInt64(layout.regionCount)
        let raw = strait_memfd_create("strait-guest-ram", 1 /* MFD_CLOEXEC */)
        if raw < 0 { throw .system("memfd_create") }
        let fd = OwnedFD(raw)
        if ftruncate(raw, off_t(total)) != 0 { throw .system("ftruncate guest memory") }
        guard let mapped = mmap(nil, Int(total), PROT_READ | PROT_WRITE, MAP_SHARED, raw, 0),
              mapped != MAP_FAILED else {
            throw .system("mmap guest memory")
        }
        self.fd = fd
        base = mapped
        mappedSize = Int(total)
        let userBase = UInt64(UInt(bitPattern: mapped))
        regions = (0..<layout.regionCount).map { i in
            let offset = perRegion * UInt64(i)
            return Region(guestPhysAddr: Self.regionBases[i], size: perRegion, fileOffset: offset,
                          userAddr: userBase + offset)
        }
    }

    deinit { munmap(base, mappedSize) }

    /// The region table as SET_MEM_TABLE carries it (the memfd goes with every entry).
    public var tableDescription: MemoryTableDescription {
        MemoryTableDescription(regions: regions.map {
            MemoryRegionDescription(guestPhysAddr: $0.guestPhysAddr, memorySize: $0.size,
                                    userspaceAddr: $0.userAddr, mmapOffset: $0.fileOffset)
        })
    }

    private func locate(_ gpa: UInt64, _ length: Int) -> Region? {
        guard length >= 0 else { return nil }
        for r in regions where gpa >= r.guestPhysAddr {
            let offset = gpa - r.guestPhysAddr
            if offset <= r.size, UInt64(length) <= r.size - offset { return r }
        }
        return nil
    }

    /// Our pointer to `length` bytes at guest address `gpa`; refuses ranges outside one region.
    public func pointer(gpa: UInt64, length: Int) throws(DriverError) -> UnsafeMutableRawPointer {
        guard let r = locate(gpa, length) else {
            throw DriverError(.memory, "guest range 0x\(String(gpa, radix: 16))+\(length) is outside guest memory")
        }
        return base + Int(r.fileOffset + (gpa - r.guestPhysAddr))
    }

    /// The user address (our virtual address) of guest address `gpa`, as SET_VRING_ADDR wants it.
    public func userAddress(gpa: UInt64, length: Int) throws(DriverError) -> UInt64 {
        guard let r = locate(gpa, length) else {
            throw DriverError(.memory, "guest range 0x\(String(gpa, radix: 16))+\(length) is outside guest memory")
        }
        return r.userAddr + (gpa - r.guestPhysAddr)
    }

    /// Copies bytes into guest memory.
    public func write(_ bytes: [UInt8], at gpa: UInt64) throws(DriverError) {
        let p = try pointer(gpa: gpa, length: bytes.count)
        bytes.withUnsafeBytes { src in
            if let s = src.baseAddress { p.copyMemory(from: s, byteCount: src.count) }
        }
    }

    /// Copies bytes out of guest memory.
    public func read(at gpa: UInt64, count: Int) throws(DriverError) -> [UInt8] {
        let p = try pointer(gpa: gpa, length: count)
        return [UInt8](UnsafeRawBufferPointer(start: p, count: count))
    }
}
