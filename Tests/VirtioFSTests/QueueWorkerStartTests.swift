import CShims
import Glibc
import Logging
import Synchronization
import Testing
import VhostUser
@testable import VirtioFS

private final class Counter: RequestHandler, @unchecked Sendable {
    let handled = Atomic<Int>(0)
    func handle(_ buffers: RequestBuffers, complete: @escaping @Sendable (UInt32) -> Void) { complete(0) }
    func handleNow(_ buffers: RequestBuffers, later: () -> @Sendable (UInt32) -> Void) -> UInt32? {
        handled.add(1, ordering: .relaxed)
        return 0
    }
}

@Suite struct QueueWorkerStartTests {
    /// A ring handed over with requests already published and kicks suppressed (a previous owner
    /// left VRING_USED_F_NO_NOTIFY set, so the guest will not kick for them): the queue thread
    /// serves before its first sleep, then clears the flag so the next request is kicked for.
    /// A thread that slept first would wait for a kick that never comes.
    @Test(.timeLimit(.minutes(1)), arguments: PollMode.allCases)
    func servesWhatIsWaitingBeforeTheFirstSleep(_ poll: PollMode) throws {
        let ring0 = try PublishedRing(name: "queue-worker-start", chains: 2, eventIdx: false) { base, _, used in
            base.storeBytes(of: RingLayout.usedNoNotify.littleEndian, toByteOffset: used, as: UInt16.self)
        }
        let kickFD = strait_eventfd(0, Int32(EFD_CLOEXEC))
        try #require(kickFD >= 0)
        let handler = Counter()
        let ring = ActiveRing(index: 1, queue: ring0.queue, kick: OwnedFD(kickFD), call: CallNotifier(nil))
        let worker = try QueueWorker(ring: ring, handler: handler, mode: .inline, pool: nil,
                                     logger: Logger(label: "test"), poll: PollHost(mode: poll))
        try worker.start()
        let deadline = monotonicSeconds() + 10
        while handler.handled.load(ordering: .relaxed) < 2, monotonicSeconds() < deadline { usleep(1000) }
        // Asleep now (or spinning out its window): the flag must be clear for the guest to kick.
        usleep(300_000)
        let flags = ring0.usedFlags
        worker.stop()
        #expect(handler.handled.load(ordering: .relaxed) == 2)
        #expect(flags & RingLayout.usedNoNotify == 0)
    }
}
