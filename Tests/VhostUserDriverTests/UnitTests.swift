import Glibc
import Posix
import Testing
@testable import VhostUserDriver

@Suite("driver pieces without a daemon")
struct UnitTests {
    @Test("guest addresses are not user addresses; ranges outside regions are refused")
    func memoryLayout() throws {
        let m = try GuestMemoryImage(layout: GuestMemoryLayout(size: 16 << 20, regionCount: 2))
        #expect(m.regions.count == 2)
        #expect(m.regions[1].fileOffset == m.regions[0].size)
        for r in m.regions { #expect(r.userAddr != r.guestPhysAddr) }
        let r1 = m.regions[1]
        try m.write([1, 2, 3], at: r1.guestPhysAddr + r1.size - 3)
        #expect(try m.read(at: r1.guestPhysAddr + r1.size - 3, count: 3) == [1, 2, 3])
        #expect(throws: DriverError.self) { try m.pointer(gpa: r1.guestPhysAddr + r1.size - 2, length: 3) }
        #expect(throws: DriverError.self) { try m.pointer(gpa: 0, length: 1) }
        // A range starting in region 0 and running past its end is refused, not split.
        let r0 = m.regions[0]
        #expect(throws: DriverError.self) { try m.pointer(gpa: r0.guestPhysAddr + r0.size - 1, length: 2) }
    }

    @Test("the allocator alternates regions, never overlaps, and coalesces on free")
    func allocator() throws {
        let m = try GuestMemoryImage(layout: GuestMemoryLayout(size: 8 << 20, regionCount: 2))
        let a = GuestAllocator(memory: m)
        var live: [GuestBuffer] = []
        for i in 0..<200 { live.append(try a.allocate(1000 + i * 37, alignment: i % 3 == 0 ? 4096 : 64)) }
        #expect(Set(live.map(\.region)) == [0, 1])
        let sorted = live.sorted { $0.gpa < $1.gpa }
        for (x, y) in zip(sorted, sorted.dropFirst()) { #expect(x.gpa + UInt64(x.length) <= y.gpa) }
        for b in live { _ = try m.pointer(gpa: b.gpa, length: b.length) }
        for b in live.shuffled() { a.free(b) }
        #expect(a.bytesInUse == 0)
        // After coalescing, a whole region can be had again in one piece.
        let big = try a.allocate(Int(m.regions[0].size))
        #expect(big.length == Int(m.regions[0].size))
        #expect(throws: DriverError.self) { try a.allocate(Int(m.regions[0].size) + 64) }
    }

    @Test("a daemon that cannot start is an error naming it, with its log lines")
    func failingDaemon() throws {
        let log = "/tmp/strait-driver-fail-\(getpid()).log"
        defer { unlink(log) }
        let p = try Subprocess(name: "broken", arguments: ["sh", "-c", "echo 'cannot open the shared dir' >&2; exit 3"], logPath: log)
        #expect(throws: DriverError.self) {
            _ = try VhostUserFrontend(socketPath: "/tmp/strait-driver-none-\(getpid()).sock",
                                      configuration: FrontendConfiguration(), alive: { p.isAlive })
        }
        let e = p.failure("failed to start")
        #expect(e.message.contains("'broken'"))
        #expect(e.message.contains("exited with status 3"))
        #expect(e.message.contains("cannot open the shared dir"))
    }
}
