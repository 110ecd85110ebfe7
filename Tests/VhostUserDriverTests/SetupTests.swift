import Testing
import VhostUser
@testable import VhostUserDriver

@Suite("vhost-user setup against real daemons", .serialized)
struct SetupTests {
    @Test("negotiates features, memory and queues, then tears down", arguments: PeerDaemons.all)
    func negotiates(_ daemon: DaemonCommand) throws {
        guard PeerDaemons.available(daemon) else {
            print("skipped: \(daemon.name) binary \(daemon.arguments.first ?? "") is missing")
            return
        }
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
