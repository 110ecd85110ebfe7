import DaemonLaunch
import FUSE
import Testing
import VhostUser
@testable import VhostUserDriver

@Suite("vhost-user setup against real daemons", .serialized)
struct SetupTests {
    @Test("negotiates features, memory and queues, then tears down", arguments: PeerDaemons.runnable)
    func negotiates(_ daemon: DaemonCommandLine) throws {
        let fixture = try DaemonFixture(daemon)
        let frontend = try fixture.connect()
        #expect(frontend.features & VirtioFeature.version1 != 0)
        #expect(frontend.protocolFeatures & ProtocolFeature.replyAck != 0)
        #expect(frontend.daemonQueueCount >= 2)
        #expect(frontend.queues.count == 2)
        let bases = frontend.close()
        #expect(bases == [0, 0])
        // Both peers exit once the frontend hangs up.
        #expect(fixture.process.waitForExit(timeout: 5), "\(daemon.name) still running after disconnect")
    }
}

/// Frontend variants a real VMM may use; each must carry data correctly.
struct SetupVariant: Sendable, CustomTestStringConvertible {
    let name: String
    let apply: @Sendable (inout FrontendConfiguration) -> Void
    var testDescription: String { name }

    static let all: [SetupVariant] = [
        SetupVariant(name: "SET_MEM_TABLE, one region") { $0.memoryMessages = .setMemTable; $0.memory.regionCount = 1 },
        SetupVariant(name: "SET_MEM_TABLE, two regions") { $0.memoryMessages = .setMemTable },
        SetupVariant(name: "no indirect, no event idx") { $0.indirect = false; $0.eventIdx = false },
        SetupVariant(name: "polled used rings, queue size 16") { $0.pollUsedRings = true; $0.queueSize = 16 },
    ]
}

@Suite("frontend variants against real daemons", .serialized)
struct VariantTests {
    @Test("write and read back through each variant", arguments: PeerDaemons.runnable, SetupVariant.all)
    func variant(_ daemon: DaemonCommandLine, _ variant: SetupVariant) throws {
        let fixture = try DaemonFixture(daemon)
        let client = try FuseClient(frontend: try fixture.connect(variant.apply))
        defer { client.close(); _ = fixture }
        if !variant.name.contains("no indirect") {
            #expect(client.frontend.features & VirtioFeature.ringIndirectDesc != 0)
        } else {
            #expect(client.frontend.features & (VirtioFeature.ringIndirectDesc | VirtioFeature.ringEventIdx) == 0)
        }
        try client.initialize()
        let (entry, handle) = try client.create(parent: 1, name: "v")
        // Enough requests to wrap a 16-entry ring several times.
        for i in 0..<64 {
            let data = [UInt8](repeating: UInt8(i), count: 3000 + i)
            #expect(try client.write(node: entry.nodeid, handle: handle.fh, offset: UInt64(i * 8192), data: data) == UInt32(data.count))
            #expect(try client.read(node: entry.nodeid, handle: handle.fh, offset: UInt64(i * 8192), size: data.count) == data)
        }
        try client.release(node: entry.nodeid, handle: handle.fh)
    }
}

@Suite("request queues", .serialized)
struct QueueTests {
    /// Asks for 4 request queues: gets what GET_QUEUE_NUM allows, and every configured queue
    /// answers (both virtiofsd have one; straitd serves all it offers).
    @Test("every configured request queue answers", arguments: PeerDaemons.runnable)
    func everyQueue(_ daemon: DaemonCommandLine) throws {
        let fixture = try DaemonFixture(daemon)
        let client = try FuseClient(frontend: try fixture.connect { $0.requestQueues = 4 })
        defer { client.close(); _ = fixture }
        let expected = 1 + min(4, client.frontend.daemonQueueCount - 1)
        #expect(client.frontend.queues.count == expected)
        try client.initialize()
        for q in 1..<client.frontend.queues.count {
            let reply = try client.call(opcode: .getattr, nodeid: 1, args: FuseGetattrIn().bytes,
                                        replyCapacity: FuseAttrOut.size, queue: q)
            #expect(reply.error == 0, "queue \(q)")
            #expect(reply.body.count == FuseAttrOut.size, "queue \(q)")
        }
        print("\(daemon.name): \(client.frontend.daemonQueueCount) queues offered, \(expected) configured")
    }
}
