import DaemonLaunch
import FUSE
import Foundation
import Testing
import VhostUser
@testable import VhostUserDriver

/// Several request queues offered the way QEMU's vhost-user-fs-pci does with
/// `num-request-queues=N`: every ring set up, whatever GET_QUEUE_NUM said.
@Suite("request queues offered as QEMU does", .serialized)
struct PeerQueueTests {
    static let queues = 4
    static let perQueue = 50

    /// straitd serves each of the 4 rings on its own queue thread: every request on every queue
    /// is answered, and its log names each request queue with the requests it served.
    @Test("straitd serves every request queue QEMU starts")
    func straitdServesAll() throws {
        let straitd = try #require(PeerDaemons.all.first { $0.name == "straitd" })
        let fixture = try DaemonFixture(straitd)
        let client = try FuseClient(frontend: try fixture.connect { $0.requestQueues = Self.queues; $0.ignoreQueueLimit = true })
        #expect(client.frontend.queues.count == 1 + Self.queues)
        try client.initialize()
        for _ in 0..<Self.perQueue {
            for q in 1...Self.queues {
                let reply = try client.call(opcode: .getattr, nodeid: 1, args: FuseGetattrIn().bytes,
                                            replyCapacity: FuseAttrOut.size, queue: q)
                #expect(reply.error == 0, "queue \(q)")
            }
        }
        client.close()
        #expect(fixture.process.waitForExit(timeout: 10), "straitd still running after disconnect")
        let served = Self.served(log: (try? String(contentsOfFile: fixture.root + "/daemon.log", encoding: .utf8)) ?? "")
        // INIT went on queue 1.
        #expect(served == [1: Self.perQueue + 1, 2: Self.perQueue, 3: Self.perQueue, 4: Self.perQueue], "\(served)")
    }

    /// What a reference daemon does when a VMM starts more rings than it offers (GET_QUEUE_NUM 2):
    /// it refuses the third ring, so the device never comes up. The C virtiofsd (libvhost-user)
    /// panics and exits ("Invalid queue index: 2"); the Rust one answers SET_VRING_NUM with an
    /// error (REPLY_ACK status 1) and stops serving ("HandleRequest(InvalidParam)"). Under QEMU
    /// this fails the device's start, so such a guest gets no virtio-fs at all.
    @Test("a reference daemon offered 4 request queues refuses the device", arguments: PeerDaemons.runnable.filter { $0.name != "straitd" })
    func peerOfferedMore(_ daemon: DaemonCommandLine) throws {
        let fixture = try DaemonFixture(daemon)
        var setupError: String?
        do {
            let client = try FuseClient(frontend: try fixture.connect { $0.requestQueues = Self.queues; $0.ignoreQueueLimit = true })
            client.close()
        } catch {
            setupError = "\(error)"
        }
        let exited = fixture.process.waitForExit(timeout: 5)
        let log = (try? String(contentsOfFile: fixture.root + "/daemon.log", encoding: .utf8)) ?? ""
        print("\(daemon.name) offered \(Self.queues) request queues: \(setupError ?? "set up"); exited: \(exited)")
        #expect(setupError != nil, "\(daemon.name) accepted \(Self.queues) request queues")
        if daemon.name == "virtiofsd-c" {
            #expect(log.contains("Invalid queue index: 2"), "\(log.suffix(400))")
            #expect(exited)
        } else {
            #expect(setupError?.contains("setVringNum") == true, "\(setupError ?? "")")
        }
    }

    static func served(log: String) -> [Int: Int] {
        var out: [Int: Int] = [:]
        let pattern = try! NSRegularExpression(pattern: "queue ([0-9]+) stopped: ([0-9]+) requests served")
        for m in pattern.matches(in: log, range: NSRange(log.startIndex..., in: log)) {
            guard let q = Range(m.range(at: 1), in: log).flatMap({ Int(log[$0]) }),
                  let n = Range(m.range(at: 2), in: log).flatMap({ Int(log[$0]) }), q > 0 else { continue }
            out[q, default: 0] += n
        }
        return out
    }
}

/// Linux 6.11+'s CPU-to-request-queue map, as strait-load's lanes use it.
struct LinuxQueueMapTests {
    func map(_ cpus: Int, _ queues: Int) -> [Int] {
        (0..<cpus).map { LinuxQueueMap.requestQueue(cpu: $0, cpus: cpus, queues: queues) }
    }

    @Test func cpusToQueues() {
        #expect(map(2, 4) == [0, 1])            // queues 2 and 3 carry nothing
        #expect(map(4, 4) == [0, 1, 2, 3])
        #expect(map(4, 2) == [0, 0, 1, 1])
        #expect(map(4, 1) == [0, 0, 0, 0])      // both virtiofsd: every CPU on the one queue
        #expect(map(3, 2) == [0, 0, 1])         // the first group takes the extra CPU
        #expect(map(7, 3) == [0, 0, 0, 1, 1, 2, 2])
    }
}
