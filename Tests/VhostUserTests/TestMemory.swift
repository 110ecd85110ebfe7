import CShims
import Glibc
@testable import VhostUser

/// Guest memory for tests: memfd-backed regions at distinct guest and "frontend" addresses, and a
/// tiny driver that lays out a split ring in it.
struct TestMemory {
    let memory: GuestMemory
    static let guestBase: UInt64 = 0x1_0000_0000
    static let userBase: UInt64 = 0x7f00_0000_0000

    /// `sizes` regions placed back to back in guest space (so ranges can straddle them).
    init(sizes: [UInt64] = [1 << 20]) throws {
        var regions: [MappedRegion] = []
        var gpa = Self.guestBase
        var user = Self.userBase
        for size in sizes {
            let fd = strait_memfd_create("test-guest", 0)
            precondition(fd >= 0)
            precondition(ftruncate(fd, off_t(size)) == 0)
            let d = MemoryRegionDescription(guestPhysAddr: gpa, memorySize: size, userspaceAddr: user, mmapOffset: 0)
            regions.append(try MappedRegion(description: d, fd: OwnedFD(fd)))
            gpa += size
            user += size + 0x10_0000
        }
        memory = GuestMemory(regions: regions)
    }

    func pointer(guest: UInt64) throws -> UnsafeMutableRawPointer {
        let b = try memory.translate(guest: guest, length: 1)
        return b[0].baseAddress!
    }

    func userAddress(ofGuest gpa: UInt64) -> UInt64 { gpa - Self.guestBase + Self.userBase }
}

/// Lays out descriptor table, avail and used rings at fixed guest offsets and plays the driver.
struct TestRing {
    let mem: TestMemory
    let size: Int
    let descGPA = TestMemory.guestBase
    var availGPA: UInt64 { descGPA + UInt64(RingLayout.descriptorTableBytes(size)) }
    var usedGPA: UInt64 { (availGPA + UInt64(RingLayout.availBytes(size)) + 4095) & ~4095 }
    /// Where test buffers live.
    var dataGPA: UInt64 { usedGPA + 0x10000 }
    var availIdx: UInt16 = 0

    init(mem: TestMemory, size: Int = 8) {
        self.mem = mem
        self.size = size
    }

    func makeQueue(eventIdx: Bool = false, indirect: Bool = true) throws -> SplitQueue {
        try SplitQueue(memory: mem.memory, size: size, descUser: mem.userAddress(ofGuest: descGPA),
                       availUser: mem.userAddress(ofGuest: availGPA), usedUser: mem.userAddress(ofGuest: usedGPA),
                       lastAvail: 0, eventIdx: eventIdx, indirect: indirect)
    }

    func setDescriptor(_ i: Int, addr: UInt64, len: UInt32, flags: UInt16, next: UInt16 = 0, table: UInt64? = nil) throws {
        let p = try mem.pointer(guest: (table ?? descGPA) + UInt64(i * 16))
        p.storeBytes(of: addr.littleEndian, toByteOffset: 0, as: UInt64.self)
        p.storeBytes(of: len.littleEndian, toByteOffset: 8, as: UInt32.self)
        p.storeBytes(of: flags.littleEndian, toByteOffset: 12, as: UInt16.self)
        p.storeBytes(of: next.littleEndian, toByteOffset: 14, as: UInt16.self)
    }

    mutating func makeAvailable(_ head: UInt16) throws {
        let p = try mem.pointer(guest: availGPA)
        p.storeBytes(of: head.littleEndian, toByteOffset: RingLayout.availRingOffset(Int(availIdx) % size), as: UInt16.self)
        availIdx &+= 1
        strait_store_release_u16(p + 2, availIdx.littleEndian)
    }

    func setAvailIndex(_ idx: UInt16) throws {
        strait_store_release_u16(try mem.pointer(guest: availGPA) + 2, idx.littleEndian)
    }

    func setUsedEvent(_ value: UInt16) throws {
        try mem.pointer(guest: availGPA).storeBytes(of: value.littleEndian, toByteOffset: RingLayout.usedEventOffset(size), as: UInt16.self)
    }

    func usedIndex() throws -> UInt16 {
        UInt16(littleEndian: strait_load_acquire_u16(try mem.pointer(guest: usedGPA) + 2))
    }

    func usedElement(_ slot: Int) throws -> (id: UInt32, len: UInt32) {
        let p = try mem.pointer(guest: usedGPA) + RingLayout.usedRingOffset(slot)
        return (UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)), UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
    }
}
