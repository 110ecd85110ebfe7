import Glibc
import Testing
import VhostUser
@testable import VhostUserDriver

@Suite("the Linux-style driver: batches with one kick decision")
struct DriverBatchTests {
    func queue() throws -> (DriverQueue, GuestMemoryImage, GuestAllocator) {
        let m = try GuestMemoryImage(layout: GuestMemoryLayout(size: 8 << 20, regionCount: 2))
        let a = GuestAllocator(memory: m)
        return (try DriverQueue(index: 1, size: 16, memory: m, allocator: a, eventIdx: true, indirect: true), m, a)
    }

    func setAvailEvent(_ q: DriverQueue, _ m: GuestMemoryImage, _ value: UInt16) throws {
        let used = try m.pointer(gpa: q.usedGPA, length: RingLayout.usedBytes(q.size))
        used.storeBytes(of: value.littleEndian, toByteOffset: RingLayout.availEventOffset(q.size), as: UInt16.self)
    }

    func submit(_ q: DriverQueue, _ a: GuestAllocator, token: UInt64) throws {
        let b = try a.allocate(64)
        #expect(try q.submit(readable: [.init(gpa: b.gpa, length: 32)], writable: [.init(gpa: b.gpa + 32, length: 32)], token: token))
    }

    @Test("a batch publishes every chain, then kicks once if avail_event falls inside it")
    func oneKickPerBatch() throws {
        let (q, m, a) = try queue()
        try setAvailEvent(q, m, 0)
        q.beginBatch()
        for t in 0..<4 { try submit(q, a, token: UInt64(t)) }
        #expect(q.availIndex == 4)
        #expect(q.kickCounts.kicks == 0, "no kick while the batch is open")
        try q.endBatch()
        #expect(q.kickCounts == (kicks: 1, suppressed: 0))

        // The device asks for a kick at entry 10: the batch 4..<7 does not reach it ...
        try setAvailEvent(q, m, 10)
        q.beginBatch()
        for t in 4..<7 { try submit(q, a, token: UInt64(t)) }
        try q.endBatch()
        #expect(q.kickCounts == (kicks: 1, suppressed: 1))
        // ... the batch 7..<12 passes it: one kick.
        q.beginBatch()
        for t in 7..<12 { try submit(q, a, token: UInt64(t)) }
        try q.endBatch()
        #expect(q.kickCounts == (kicks: 2, suppressed: 1))
        // An empty batch decides nothing.
        q.beginBatch()
        try q.endBatch()
        #expect(q.kickCounts == (kicks: 2, suppressed: 1))
        var value: UInt64 = 0
        #expect(read(q.kickFD.rawValue, &value, 8) == 8 && value == 2)
    }

    @Test("Linux style harvest: used_event stays put while harvesting, enableInterrupts re-arms and re-checks")
    func interruptsOffWhileHarvesting() throws {
        let (q, m, a) = try queue()
        try submit(q, a, token: 10)
        try submit(q, a, token: 11)
        let used = try m.pointer(gpa: q.usedGPA, length: RingLayout.usedBytes(q.size))
        let avail = try m.pointer(gpa: q.availGPA, length: RingLayout.availBytes(q.size))
        func usedEvent() -> UInt16 { UInt16(littleEndian: avail.load(fromByteOffset: RingLayout.usedEventOffset(q.size), as: UInt16.self)) }
        func deviceReturns(head: UInt16, at slot: Int) {
            used.storeBytes(of: UInt32(head).littleEndian, toByteOffset: RingLayout.usedRingOffset(slot), as: UInt32.self)
            used.storeBytes(of: UInt32(0), toByteOffset: RingLayout.usedRingOffset(slot) + 4, as: UInt32.self)
            used.storeBytes(of: UInt16(slot + 1).littleEndian, toByteOffset: 2, as: UInt16.self)
        }
        deviceReturns(head: 0, at: 0)
        #expect(try q.harvest(rearm: false).map(\.token) == [10])
        #expect(usedEvent() == 0, "interrupts stay off while the driver is harvesting")
        #expect(!q.enableInterrupts())
        #expect(usedEvent() == 1, "re-armed for the next used entry")
        deviceReturns(head: 1, at: 1)
        #expect(q.enableInterrupts(), "an entry that arrived is reported instead of sleeping on it")
        #expect(try q.harvest(rearm: false).map(\.token) == [11])
    }
}
