import CShims
import Foundation
import Glibc
import Logging
import Synchronization
import Testing
import Wire
@testable import VhostUser

/// A device that records what the backend asks of it.
final class RecordingDevice: VhostUserDevice, @unchecked Sendable {
    let deviceFeatures: UInt64 = 0
    let maxQueues = 3
    let events = Mutex<[String]>([])
    func start(ring: ActiveRing) { events.withLock { $0.append("start \(ring.index) size \(ring.queue.size)") } }
    func stop(ring index: Int) { events.withLock { $0.append("stop \(index)") } }
    func backendChannelChanged(_ channel: Channel?) { events.withLock { $0.append("backend \(channel != nil)") } }
    func reset() { events.withLock { $0.append("reset") } }
}

/// Runs a Backend on one end of a socketpair; the test plays the frontend on the other.
final class BackendHarness: @unchecked Sendable {
    let frontend: Channel
    let device = RecordingDevice()
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<String>("running")

    init() {
        var pair: [Int32] = [0, 0]
        precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        frontend = Channel(fd: OwnedFD(pair[0]))
        let backendChannel = Channel(fd: OwnedFD(pair[1]))
        let backend = Backend(channel: backendChannel, device: device, logger: Logger(label: "test"))
        Thread { [self] in
            do { try backend.run(); outcome.withLock { $0 = "returned" } } catch { outcome.withLock { $0 = "threw \(error)" } }
            done.signal()
        }.start()
    }

    func send(_ r: FrontendRequest, _ payload: [UInt8] = [], fds: [Int32] = [], needReply: Bool = false) throws {
        try frontend.send(request: r.rawValue, flags: MessageFlags.version | (needReply ? MessageFlags.needReply : 0), payload: payload, fds: fds)
    }

    func u64(_ r: FrontendRequest, _ payload: [UInt8] = [], needReply: Bool = false) throws -> UInt64 {
        try send(r, payload, needReply: needReply)
        let m = try frontend.receive()
        #expect(m.header.isReply)
        #expect(m.header.request == r.rawValue)
        var c = m.cursor
        return try c.readU64()
    }

    static func bytes(_ build: (inout ByteWriter) -> Void) -> [UInt8] {
        var w = ByteWriter()
        build(&w)
        return w.bytes
    }
}

@Suite struct BackendTests {
    @Test func negotiatesAndAcksWhenAsked() throws {
        let h = BackendHarness()
        let features = try h.u64(.getFeatures)
        #expect(features & VirtioFeature.version1 != 0)
        #expect(features & VirtioFeature.ringEventIdx != 0)
        try h.send(.setFeatures, BackendHarness.bytes { $0.write(features) })
        let protocolFeatures = try h.u64(.getProtocolFeatures)
        #expect(protocolFeatures & ProtocolFeature.replyAck != 0)
        #expect(protocolFeatures & ProtocolFeature.mq != 0)
        try h.send(.setProtocolFeatures, BackendHarness.bytes { $0.write(protocolFeatures) })
        #expect(try h.u64(.getQueueNum) == 3)
        #expect(try h.u64(.setOwner, needReply: true) == 0)
        // A ring that does not exist is refused with a failure ack, and the connection goes on.
        #expect(try h.u64(.setVringNum, BackendHarness.bytes { VringState(index: 7, num: 8).encode(into: &$0) }, needReply: true) == 1)
        #expect(try h.u64(.setVringNum, BackendHarness.bytes { VringState(index: 1, num: 3).encode(into: &$0) }, needReply: true) == 1)
        // A truncated payload, likewise.
        #expect(try h.u64(.setVringAddr, [1, 2, 3], needReply: true) == 1)
        // Features never offered.
        #expect(try h.u64(.setFeatures, BackendHarness.bytes { $0.write(UInt64(1) << 60) }, needReply: true) == 1)
        #expect(try h.u64(.getMaxMemSlots) == Backend.maxMemSlots)
        shutdown(h.frontend.fd.rawValue, Int32(SHUT_RDWR))
        h.done.wait()
        #expect(h.outcome.withLock { $0 } == "returned")
    }

    @Test func startsARingOnceCompleteAndStopsItOnGetVringBase() throws {
        let h = BackendHarness()
        let mem = try TestMemory()
        let ring = TestRing(mem: mem, size: 8)
        try h.send(.setFeatures, BackendHarness.bytes { $0.write(VirtioFeature.version1) })
        let regionFD = mem.memory.regions[0].fd.rawValue
        try h.send(.setMemTable, BackendHarness.bytes { MemoryTableDescription(regions: [mem.memory.regions[0].description]).encode(into: &$0) }, fds: [regionFD])
        try h.send(.setVringNum, BackendHarness.bytes { VringState(index: 1, num: 8).encode(into: &$0) })
        try h.send(.setVringBase, BackendHarness.bytes { VringState(index: 1, num: 5).encode(into: &$0) })
        try h.send(.setVringAddr, BackendHarness.bytes {
            VringAddress(index: 1, desc: mem.userAddress(ofGuest: ring.descGPA), used: mem.userAddress(ofGuest: ring.usedGPA),
                         avail: mem.userAddress(ofGuest: ring.availGPA)).encode(into: &$0)
        })
        let kick = strait_eventfd(0, 0)
        defer { close(kick) }
        try h.send(.setVringKick, BackendHarness.bytes { $0.write(UInt64(1)) }, fds: [kick])
        try h.send(.getVringBase, BackendHarness.bytes { VringState(index: 1, num: 0).encode(into: &$0) })
        let reply = try h.frontend.receive()
        var c = reply.cursor
        #expect(try VringState(from: &c) == VringState(index: 1, num: 5))
        #expect(h.device.events.withLock { $0 } == ["start 1 size 8", "stop 1"])
        shutdown(h.frontend.fd.rawValue, Int32(SHUT_RDWR))
        h.done.wait()
    }

    @Test func ringAddressesOutsideMemoryAreRefused() throws {
        let h = BackendHarness()
        try h.send(.setFeatures, BackendHarness.bytes { $0.write(VirtioFeature.version1 | VirtioFeature.protocolFeatures) })
        try h.send(.setProtocolFeatures, BackendHarness.bytes { $0.write(ProtocolFeature.replyAck) })
        try h.send(.setVringNum, BackendHarness.bytes { VringState(index: 0, num: 8).encode(into: &$0) })
        try h.send(.setVringAddr, BackendHarness.bytes { VringAddress(index: 0, desc: 0x1000, used: 0x2000, avail: 0x3000).encode(into: &$0) })
        try h.send(.setVringEnable, BackendHarness.bytes { VringState(index: 0, num: 1).encode(into: &$0) })
        #expect(try h.u64(.setVringKick, BackendHarness.bytes { $0.write(UInt64(0) | VringFile.invalidFDFlag) }, needReply: true) == 1)
        #expect(h.device.events.withLock { $0 }.isEmpty)
        shutdown(h.frontend.fd.rawValue, Int32(SHUT_RDWR))
        h.done.wait()
    }
}
