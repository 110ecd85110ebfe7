import Testing
@testable import VhostUser

@Suite struct GuestMemoryTests {
    @Test func translatesInsideARegion() throws {
        let mem = try TestMemory()
        let buffers = try mem.memory.translate(guest: TestMemory.guestBase + 100, length: 50)
        #expect(buffers.count == 1)
        #expect(buffers[0].count == 50)
    }

    @Test func splitsARangeThatStraddlesTwoRegions() throws {
        let mem = try TestMemory(sizes: [4096, 4096])
        let buffers = try mem.memory.translate(guest: TestMemory.guestBase + 4000, length: 200)
        #expect(buffers.map(\.count) == [96, 104])
    }

    @Test func refusesAddressesOutsideEveryRegion() throws {
        let mem = try TestMemory(sizes: [4096])
        #expect(throws: VhostUserError.self) { try mem.memory.translate(guest: 0, length: 1) }
        #expect(throws: VhostUserError.self) { try mem.memory.translate(guest: TestMemory.guestBase + 4000, length: 97) }
        #expect(throws: VhostUserError.self) { try mem.memory.translate(guest: UInt64.max - 2, length: 10) }
    }

    @Test func zeroLengthYieldsNoBuffers() throws {
        let mem = try TestMemory()
        #expect(try mem.memory.translate(guest: 0xdead, length: 0).isEmpty)
    }

    @Test func frontendAddressesTranslateWithinOneRegionOnly() throws {
        let mem = try TestMemory(sizes: [4096, 4096])
        let p = try mem.memory.translate(user: TestMemory.userBase + 8, length: 8)
        let q = try mem.memory.translate(guest: TestMemory.guestBase + 8, length: 8)
        #expect(p == q[0].baseAddress)
        #expect(throws: VhostUserError.self) { try mem.memory.translate(user: TestMemory.userBase + 4090, length: 16) }
        #expect(mem.memory.guestAddress(ofUser: TestMemory.userBase + 5) == TestMemory.guestBase + 5)
    }
}
