import CShims
import Glibc
import Logging
import Synchronization
import Testing
import VhostUser
@testable import VirtioFS

/// Answers every request at once and notes, from the second request on, whether the guest had
/// already been interrupted for the ones before (the call eventfd is readable).
private final class InterruptProbe: RequestHandler, @unchecked Sendable {
    let call: Int32
    let handled = Atomic<Int>(0)
    let interruptedBeforeSecond = Atomic<Bool>(false)

    init(call: Int32) { self.call = call }

    func handle(_ buffers: RequestBuffers, complete: @escaping @Sendable (UInt32) -> Void) { complete(0) }

    func handleNow(_ buffers: RequestBuffers, later: () -> @Sendable (UInt32) -> Void) -> UInt32? {
        if handled.add(1, ordering: .relaxed).newValue == 2 {
            var p = pollfd(fd: call, events: Int16(POLLIN), revents: 0)
            interruptedBeforeSecond.store(poll(&p, 1, 0) == 1, ordering: .relaxed)
        }
        return 0
    }
}

@Suite struct QueueWorkerNotifyTests {
    /// Issue 11: the queue thread used to hold the interrupt for inline completions until the
    /// available ring was empty, so a guest with 16 requests queued waited for all 16 before it
    /// could harvest the first. Now the interrupt is decided as each completion is published
    /// (EVENT_IDX's vring_need_event), so the guest hears of the first while the daemon works on
    /// the second, and used_event still suppresses every interrupt the guest did not ask for.
    @Test(.timeLimit(.minutes(1))) func firstCompletionInterruptsAtOnceAndUsedEventSuppressesTheRest() throws {
        let chains = 4
        // The guest: one 16-byte readable descriptor per chain, all published before the device
        // looks, used_event 0 (interrupt me at the first completion), then no harvesting.
        let published = try PublishedRing(name: "queue-worker-notify", chains: chains, eventIdx: true) { base, avail, _ in
            base.storeBytes(of: UInt16(0), toByteOffset: avail + RingLayout.usedEventOffset(8), as: UInt16.self)
        }
        let callFD = strait_eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        try #require(callFD >= 0)
        let call = OwnedFD(callFD)
        let probe = InterruptProbe(call: call.rawValue)
        let ring = ActiveRing(index: 1, queue: published.queue, kick: nil, call: CallNotifier(OwnedFD(dup(callFD))))
        let worker = try QueueWorker(ring: ring, handler: probe, mode: .inline, pool: nil, logger: Logger(label: "test"))
        try worker.start()
        let deadline = monotonicSeconds() + 10
        while published.usedIndex != UInt16(chains), monotonicSeconds() < deadline { usleep(1000) }
        worker.stop()

        #expect(published.usedIndex == UInt16(chains))
        let early = probe.interruptedBeforeSecond.load(ordering: .relaxed)
        #expect(early, "the guest was not interrupted for the first completion before the second was processed")
        var count: UInt64 = 0
        #expect(read(call.rawValue, &count, 8) == 8)
        #expect(count == 1, "used_event 0 asks for one interrupt, got \(count)")
    }
}
