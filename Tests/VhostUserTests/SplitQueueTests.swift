import Testing
@testable import VhostUser

@Suite struct SplitQueueTests {
    typealias F = RingLayout.DescriptorFlag

    private func expectMalformed(_ next: SplitQueue.Next, head: UInt16, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .malformed(let h, let error) = next else {
            Issue.record("expected a malformed chain, got \(next)", sourceLocation: sourceLocation)
            return
        }
        #expect(h == head, sourceLocation: sourceLocation)
        #expect(error.code == .badDescriptor || error.code == .badAddress, sourceLocation: sourceLocation)
    }

    @Test func popsAChainReadableThenWritable() throws {
        var ring = TestRing(mem: try TestMemory())
        let q = try ring.makeQueue()
        try ring.setDescriptor(0, addr: ring.dataGPA, len: 40, flags: F.next, next: 1)
        try ring.setDescriptor(1, addr: ring.dataGPA + 64, len: 8, flags: F.next, next: 2)
        try ring.setDescriptor(2, addr: ring.dataGPA + 128, len: 100, flags: F.write)
        try ring.makeAvailable(0)
        guard case .chain(let chain) = try q.pop() else { Issue.record("no chain"); return }
        #expect(chain.head == 0)
        #expect(chain.readable.map(\.count) == [40, 8])
        #expect(chain.writable.map(\.count) == [100])
        guard case .empty = try q.pop() else { Issue.record("queue should be empty"); return }
    }

    @Test func followsAnIndirectTable() throws {
        var ring = TestRing(mem: try TestMemory())
        let q = try ring.makeQueue()
        let table = ring.dataGPA + 0x1000
        try ring.setDescriptor(0, addr: ring.dataGPA, len: 16, flags: F.next, next: 1, table: table)
        try ring.setDescriptor(1, addr: ring.dataGPA + 32, len: 32, flags: F.write, table: table)
        try ring.setDescriptor(3, addr: table, len: 32, flags: F.indirect)
        try ring.makeAvailable(3)
        guard case .chain(let chain) = try q.pop() else { Issue.record("no chain"); return }
        #expect(chain.head == 3)
        #expect(chain.readableLength == 16)
        #expect(chain.writableLength == 32)
    }

    @Test func refusesEveryMalformedChainAndKeepsGoing() throws {
        var ring = TestRing(mem: try TestMemory(), size: 8)
        let q = try ring.makeQueue(indirect: true)
        // 0: loops onto itself.
        try ring.setDescriptor(0, addr: ring.dataGPA, len: 8, flags: F.next, next: 0)
        // 1: outside guest memory.
        try ring.setDescriptor(1, addr: 0x10, len: 8, flags: 0)
        // 2 -> 3: readable after writable.
        try ring.setDescriptor(2, addr: ring.dataGPA, len: 8, flags: F.write | F.next, next: 3)
        try ring.setDescriptor(3, addr: ring.dataGPA, len: 8, flags: 0)
        // 4: next index beyond the table.
        try ring.setDescriptor(4, addr: ring.dataGPA, len: 8, flags: F.next, next: 200)
        // 5: indirect table with a length that is not a multiple of 16.
        try ring.setDescriptor(5, addr: ring.dataGPA, len: 20, flags: F.indirect)
        // 6: indirect and next together.
        try ring.setDescriptor(6, addr: ring.dataGPA, len: 16, flags: F.indirect | F.next, next: 7)
        // 7: huge length running off the region.
        try ring.setDescriptor(7, addr: ring.dataGPA, len: UInt32.max, flags: F.write)
        let heads: [UInt16] = [0, 1, 2, 4, 5, 6, 7]
        for head in heads { try ring.makeAvailable(head) }
        for head in heads { expectMalformed(try q.pop(), head: head) }
        // A head index beyond the queue.
        try ring.makeAvailable(99)
        expectMalformed(try q.pop(), head: 99)
    }

    @Test func refusesNestedIndirectTables() throws {
        var ring = TestRing(mem: try TestMemory())
        let q = try ring.makeQueue()
        let table = ring.dataGPA + 0x1000
        try ring.setDescriptor(0, addr: table, len: 16, flags: F.indirect, table: table)
        try ring.setDescriptor(0, addr: table, len: 16, flags: F.indirect)
        try ring.makeAvailable(0)
        expectMalformed(try q.pop(), head: 0)
    }

    @Test func refusesIndirectWhenNotNegotiated() throws {
        var ring = TestRing(mem: try TestMemory())
        let q = try ring.makeQueue(indirect: false)
        try ring.setDescriptor(0, addr: ring.dataGPA, len: 16, flags: F.indirect)
        try ring.makeAvailable(0)
        expectMalformed(try q.pop(), head: 0)
    }

    @Test func anAvailableIndexRunningAheadBreaksTheQueue() throws {
        let ring = TestRing(mem: try TestMemory(), size: 8)
        let q = try ring.makeQueue()
        try ring.setAvailIndex(9)
        #expect(throws: VhostUserError.self) { try q.pop() }
    }

    @Test func pushPublishesUsedElements() throws {
        var ring = TestRing(mem: try TestMemory())
        let q = try ring.makeQueue()
        try ring.setDescriptor(0, addr: ring.dataGPA, len: 8, flags: 0)
        try ring.makeAvailable(0)
        _ = try q.pop()
        #expect(q.push(head: 0, written: 42))
        #expect(try ring.usedIndex() == 1)
        #expect(try ring.usedElement(0) == (0, 42))
    }

    @Test func eventIndexSuppressesInterruptsUntilTheGuestAsks() throws {
        let ring = TestRing(mem: try TestMemory())
        let q = try ring.makeQueue(eventIdx: true)
        try ring.setUsedEvent(2)
        #expect(q.push(head: 0, written: 0))        // first completion always interrupts
        #expect(!q.push(head: 1, written: 0))       // used idx 2: guest asked for an interrupt after entry 2
        #expect(q.push(head: 2, written: 0))        // used idx 3 passes used_event 2
        #expect(!q.push(head: 3, written: 0))
    }

    @Test func rejectsImpossibleQueueSizes() throws {
        let mem = try TestMemory()
        for size in [0, 3, 65536] {
            #expect(throws: VhostUserError.self) {
                try SplitQueue(memory: mem.memory, size: size, descUser: TestMemory.userBase, availUser: TestMemory.userBase,
                               usedUser: TestMemory.userBase, lastAvail: 0, eventIdx: false, indirect: false)
            }
        }
    }
}
