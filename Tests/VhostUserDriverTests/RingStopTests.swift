import FUSE
import Glibc
import Posix
import Synchronization
import Testing
import VhostUser
@testable import VhostUserDriver

/// How QEMU stops a device (GET_VRING_BASE at VM shutdown or reset) must not wait on a guest's
/// lock: the waiting SETLKW ends with EINTR before the ring stops, and the stop answers at once.
/// straitd only: neither virtiofsd implements a waiting SETLKW.
@Suite("ring stop with a SETLKW waiting", .serialized)
struct RingStopTests {
    @Test("GET_VRING_BASE answers within a second and the waiting SETLKW ends with EINTR")
    func stopWithWaitingLock() throws {
        let straitd = try #require(PeerDaemons.all.first { $0.name == "straitd" })
        let fixture = try DaemonFixture(straitd)
        let client = try FuseClient(frontend: try fixture.connect())
        defer { client.close(); _ = fixture }
        try client.initialize()
        let (file, h1) = try client.create(parent: FuseProtocol.rootID, name: "locked")
        let h2 = try client.open(node: file.nodeid, flags: O_RDWR)
        let lock = FuseFileLock(start: 0, end: 0x7fff_ffff_ffff_ffff, type: UInt32(F_WRLCK), pid: 100)
        try client.setlk(node: file.nodeid, handle: h1.fh, owner: 1, lock: lock)
        let done = DispatchGroupLike()
        let outcome = Mutex<Int32?>(nil)
        done.enter()
        try client.submit(opcode: .setlkw, nodeid: file.nodeid, args: FuseLkIn(fh: h2.fh, owner: 2, lk: lock).bytes,
                          replyCapacity: 0, queue: 1) { result in
            outcome.withLock { $0 = (try? result.get())?.error ?? -EIO }
            done.leave()
        }
        usleep(200_000)
        #expect(outcome.withLock { $0 } == nil, "SETLKW did not wait")
        var w = ByteWriter(capacity: VringState.size)
        VringState(index: 1, num: 0).encode(into: &w)
        let start = monotonicSeconds()
        _ = try client.frontend.call(.getVringBase, payload: w.bytes)
        #expect(monotonicSeconds() - start < 1, "GET_VRING_BASE took \(monotonicSeconds() - start) s with a lock waiting")
        #expect(done.wait(seconds: 2), "the waiting SETLKW never completed")
        #expect(outcome.withLock { $0 } == -EINTR)
        #expect(fixture.process.isAlive)
    }
}
