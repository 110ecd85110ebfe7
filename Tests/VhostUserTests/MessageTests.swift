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
        ShmemMapMessage(fdOffset: 1, shmOffset: 2, length: 3, flags: 1).encode(into: &w)
        #expect(w.count == ShmemMapMessage.size)
        w = ByteWriter()
        ShmemConfig(sizes: [1 << 30]).encode(into: &w)
        #expect(w.count == ShmemConfig.size && w.count == 2056)
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

    /// QEMU 11.1's VhostUserMMap: u8 shmid, 7 pad bytes, then fd_offset, shm_offset, len, flags.
    @Test func shmemMapLayoutIsQEMUs() throws {
        let m = ShmemMapMessage(shmid: 3, fdOffset: 0x1000, shmOffset: 0x20_0000, length: 0x4000, flags: ShmemMapMessage.flagWritable)
        var w = ByteWriter()
        m.encode(into: &w)
        let b = w.bytes
        #expect(b[0] == 3 && b[1..<8].allSatisfy { $0 == 0 })
        #expect(b[8..<16] == [0, 0x10, 0, 0, 0, 0, 0, 0][...])
        #expect(b[16..<24] == [0, 0, 0x20, 0, 0, 0, 0, 0][...])
        #expect(b[24..<32] == [0, 0x40, 0, 0, 0, 0, 0, 0][...])
        #expect(b[32] == 1)
        var c = ByteCursor(b)
        #expect(try ShmemMapMessage(from: &c) == m)
        #expect(BackendRequest.shmemMap.rawValue == 9 && BackendRequest.shmemUnmap.rawValue == 10)
        #expect(FrontendRequest.getShmemConfig.rawValue == 44 && ProtocolFeature.shmem == 1 << 22)
    }

    @Test func shmemConfigAndDeviceConfigRoundTrip() throws {
        var w = ByteWriter()
        ShmemConfig(sizes: [64 << 20]).encode(into: &w)
        #expect(w.bytes[0..<4] == [1, 0, 0, 0][...])
        var c = ByteCursor(w.bytes)
        #expect(try ShmemConfig(from: &c).sizes == [64 << 20])
        let space = try #require(VirtioFSConfigSpace.encode(tag: "fs0", requestQueues: 1))
        #expect(space.count == 40 && Array(space[0..<4]) == Array("fs0".utf8) + [0] && Array(space[36...]) == [1, 0, 0, 0])
        #expect(VirtioFSConfigSpace.encode(tag: String(repeating: "x", count: 37), requestQueues: 1) == nil)
        w = ByteWriter()
        DeviceConfigMessage(offset: 0, flags: 0, bytes: space).encode(into: &w)
        #expect(w.count == 52)
        c = ByteCursor(w.bytes)
        #expect(try DeviceConfigMessage(from: &c).bytes == space)
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
