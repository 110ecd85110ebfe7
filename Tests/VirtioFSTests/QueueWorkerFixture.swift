import CShims
import Glibc
import VhostUser

/// A split queue in memfd-backed guest memory with `chains` one-descriptor chains (16 readable
/// bytes each) already published: what QueueWorkerStartTests and QueueWorkerNotifyTests hand a
/// queue thread. `prepare` runs on the rings before the available index is published (a
/// previous owner's flags, the guest's used_event).
struct PublishedRing {
    static let gpa: UInt64 = 0x1_0000_0000
    static let user: UInt64 = 0x7f00_0000_0000
    let base: UnsafeMutableRawPointer
    let availOffset: Int
    let usedOffset = 0x1000
    let queue: SplitQueue
    /// Keeps the mapping alive as long as the fixture.
    let memory: GuestMemory

    init(name: String, size: Int = 8, chains: Int, eventIdx: Bool,
         prepare: (_ base: UnsafeMutableRawPointer, _ availOffset: Int, _ usedOffset: Int) -> Void = { _, _, _ in })
        throws
    {
        let fd = strait_memfd_create(name, 0)
        guard fd >= 0, ftruncate(fd, 1 << 20) == 0 else { throw VhostUserError.system("memfd for \(name)") }
        let region = try MappedRegion(description: MemoryRegionDescription(
            guestPhysAddr: Self.gpa, memorySize: 1 << 20, userspaceAddr: Self.user, mmapOffset: 0), fd: OwnedFD(fd))
        memory = GuestMemory(regions: [region])
        availOffset = RingLayout.descriptorTableBytes(size)
        base = try memory.translate(user: Self.user, length: 0x3000)
        for i in 0..<chains {
            let d = base + i * RingLayout.descriptorSize
            d.storeBytes(of: (Self.gpa + 0x2000 + UInt64(i * 16)).littleEndian, toByteOffset: 0, as: UInt64.self)
            d.storeBytes(of: UInt32(16).littleEndian, toByteOffset: 8, as: UInt32.self)
            d.storeBytes(of: UInt16(0), toByteOffset: 12, as: UInt16.self)
            d.storeBytes(of: UInt16(0), toByteOffset: 14, as: UInt16.self)
            base.storeBytes(of: UInt16(i).littleEndian, toByteOffset: availOffset + RingLayout.availRingOffset(i), as: UInt16.self)
        }
        prepare(base, availOffset, usedOffset)
        strait_store_release_u16(base + availOffset + 2, UInt16(chains).littleEndian)
        queue = try SplitQueue(memory: memory, size: size, descUser: Self.user, availUser: Self.user + UInt64(availOffset),
                               usedUser: Self.user + UInt64(usedOffset), lastAvail: 0, eventIdx: eventIdx, indirect: true)
    }

    /// The used ring's index as the guest reads it.
    var usedIndex: UInt16 { UInt16(littleEndian: strait_load_acquire_u16(base + usedOffset + 2)) }
    /// The used ring's flags as the guest reads them.
    var usedFlags: UInt16 { UInt16(littleEndian: strait_load_acquire_u16(base + usedOffset)) }
}
