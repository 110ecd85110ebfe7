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
}
