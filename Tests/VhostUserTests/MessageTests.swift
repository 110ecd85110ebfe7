import CShims
import Glibc
import Testing
import Wire
@testable import VhostUser

@Suite struct MessageTests {
    @Test func payloadSizesMatchTheSpec() {
        var w = ByteWriter()
        VringAddress(index: 1, desc: 2, used: 3, avail: 4).encode(into: &w)
        #expect(w.count == VringAddress.size)
        w = ByteWriter()
        SingleMemoryRegion(region: .init(guestPhysAddr: 1, memorySize: 2, userspaceAddr: 3, mmapOffset: 4)).encode(into: &w)
        #expect(w.count == SingleMemoryRegion.size)
        w = ByteWriter()
        FsMapMessage(ranges: [.init(fdOffset: 1, cacheOffset: 2, length: 3, flags: 1)]).encode(into: &w)
        #expect(w.count == FsMapMessage.size)
    }

    @Test func memoryTableRoundTripsAndRefusesTooManyRegions() throws {
        let regions = (0..<3).map { MemoryRegionDescription(guestPhysAddr: UInt64($0) << 32, memorySize: 4096, userspaceAddr: 7, mmapOffset: 0) }
        var w = ByteWriter()
        MemoryTableDescription(regions: regions).encode(into: &w)
        var c = ByteCursor(w.bytes)
        #expect(try MemoryTableDescription(from: &c).regions == regions)
        var bad = ByteWriter()
        bad.write(UInt32(9)); bad.write(UInt32(0))
        var badCursor = ByteCursor(bad.bytes)
        #expect(throws: WireError.self) { try MemoryTableDescription(from: &badCursor) }
    }

    @Test func fsMapKeepsOnlyUsedSlots() throws {
        let m = FsMapMessage(ranges: [.init(fdOffset: 4096, cacheOffset: 0, length: 8192, flags: 3)])
        var w = ByteWriter()
        m.encode(into: &w)
        var c = ByteCursor(w.bytes)
        #expect(try FsMapMessage(from: &c) == m)
    }

    @Test func vringFileFlagsTheMissingFD() {
        #expect(VringFile(0x101) == VringFile(index: 1, hasFD: false))
        #expect(VringFile(index: 3, hasFD: true).value == 3)
    }

    @Test func channelCarriesMessagesAndFDs() throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        let a = Channel(fd: OwnedFD(pair[0]))
        let b = Channel(fd: OwnedFD(pair[1]))
        let efd = strait_eventfd(0, 0)
        defer { close(efd) }
        try a.send(request: FrontendRequest.setVringKick.rawValue, payload: [1, 0, 0, 0, 0, 0, 0, 0], fds: [efd])
        let m = try b.receive()
        #expect(m.header.request == FrontendRequest.setVringKick.rawValue)
        #expect(m.payload.count == 8)
        #expect(m.fds.count == 1)
    }

    @Test func channelRefusesOversizedPayloadsAndReportsDisconnect() throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        let b = Channel(fd: OwnedFD(pair[1]))
        var w = ByteWriter()
        MessageHeader(request: 1, size: 1 << 20).encode(into: &w)
        _ = w.bytes.withUnsafeBytes { send(pair[0], $0.baseAddress, $0.count, 0) }
        #expect(throws: VhostUserError.self) { try b.receive() }
        close(pair[0])
        do { _ = try b.receive(); Issue.record("expected disconnect") } catch { #expect(error.code == .disconnected) }
    }
}
