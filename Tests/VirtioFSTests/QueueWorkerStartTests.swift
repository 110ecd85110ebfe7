import CShims
import Glibc
import Logging
import Synchronization
import Testing
import VhostUser
@testable import VirtioFS

private final class Counter: RequestHandler, @unchecked Sendable {
    let handled = Atomic<Int>(0)
    func handle(_ buffers: RequestBuffers, complete: @escaping @Sendable (UInt32) -> Void) { complete(0) }
    func handleNow(_ buffers: RequestBuffers, later: () -> @Sendable (UInt32) -> Void) -> UInt32? {
        handled.add(1, ordering: .relaxed)
        return 0
    }
}

@Suite struct QueueWorkerStartTests {
    /// A ring handed over with requests already published and kicks suppressed (a previous owner
    /// left VRING_USED_F_NO_NOTIFY set, so the guest will not kick for them): the queue thread
    /// serves before its first sleep, then clears the flag so the next request is kicked for.
    /// A thread that slept first would wait for a kick that never comes.
    @Test(.timeLimit(.minutes(1)), arguments: PollMode.allCases)
    func servesWhatIsWaitingBeforeTheFirstSleep(_ poll: PollMode) throws {
        let size = 8
        let fd = strait_memfd_create("queue-worker-start", 0)
        try #require(fd >= 0 && ftruncate(fd, 1 << 20) == 0)
        let gpa: UInt64 = 0x1_0000_0000
        let user: UInt64 = 0x7f00_0000_0000
        let region = try MappedRegion(description: MemoryRegionDescription(
            guestPhysAddr: gpa, memorySize: 1 << 20, userspaceAddr: user, mmapOffset: 0), fd: OwnedFD(fd))
        let memory = GuestMemory(regions: [region])
        let availOffset = RingLayout.descriptorTableBytes(size)
        let usedOffset = 0x1000
        let base = try memory.translate(user: user, length: 0x3000)
        for i in 0..<2 {
            let d = base + i * RingLayout.descriptorSize
            d.storeBytes(of: (gpa + 0x2000 + UInt64(i * 16)).littleEndian, toByteOffset: 0, as: UInt64.self)
            d.storeBytes(of: UInt32(16).littleEndian, toByteOffset: 8, as: UInt32.self)
            d.storeBytes(of: UInt16(0), toByteOffset: 12, as: UInt16.self)
            base.storeBytes(of: UInt16(i).littleEndian, toByteOffset: availOffset + RingLayout.availRingOffset(i), as: UInt16.self)
        }
        base.storeBytes(of: RingLayout.usedNoNotify.littleEndian, toByteOffset: usedOffset, as: UInt16.self)
        strait_store_release_u16(base + availOffset + 2, UInt16(2).littleEndian)

        let queue = try SplitQueue(memory: memory, size: size, descUser: user, availUser: user + UInt64(availOffset),
                                   usedUser: user + UInt64(usedOffset), lastAvail: 0, eventIdx: false, indirect: true)
        let kickFD = strait_eventfd(0, Int32(EFD_CLOEXEC))
        try #require(kickFD >= 0)
        let handler = Counter()
        let ring = ActiveRing(index: 1, queue: queue, kick: OwnedFD(kickFD), call: CallNotifier(nil))
        let worker = try QueueWorker(ring: ring, handler: handler, mode: .inline, pool: nil,
                                     logger: Logger(label: "test"), poll: PollHost(mode: poll))
        try worker.start()
        let deadline = monotonicSeconds() + 10
        while handler.handled.load(ordering: .relaxed) < 2, monotonicSeconds() < deadline { usleep(1000) }
        // Asleep now (or spinning out its window): the flag must be clear for the guest to kick.
        usleep(300_000)
        let flags = UInt16(littleEndian: strait_load_acquire_u16(base + usedOffset))
        worker.stop()
        #expect(handler.handled.load(ordering: .relaxed) == 2)
        #expect(flags & RingLayout.usedNoNotify == 0)
    }
}
