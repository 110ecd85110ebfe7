import CShims
import Glibc
import Logging
import Synchronization
import Testing
import VhostUser
@testable import VirtioFS

/// Counts log messages, to see how often the worker reports a broken ring.
private final class CountingLog: @unchecked Sendable {
    let broken = Atomic<Int>(0)

    func handler(label: String) -> LogHandler { Handler(owner: self) }

    struct Handler: LogHandler {
        let owner: CountingLog
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            if "\(event.message)".hasPrefix("queue broken") { owner.broken.add(1, ordering: .relaxed) }
        }
    }
}

private final class NoReplies: RequestHandler {
    func handle(_ buffers: RequestBuffers, complete: @escaping @Sendable (UInt32) -> Void) { complete(0) }
}

@Suite struct QueueWorkerTests {
    /// A guest that pushes the available index more than a queue's worth ahead has broken the
    /// ring: the worker says so once and stops serving it, instead of spinning on it forever
    /// (which also made `stop`, and so a ring reset, hang).
    @Test(.timeLimit(.minutes(1))) func brokenRingIsReportedOnceAndNotSpunOn() throws {
        let size = 8
        let fd = strait_memfd_create("queue-worker-test", 0)
        try #require(fd >= 0 && ftruncate(fd, 1 << 20) == 0)
        let region = try MappedRegion(description: MemoryRegionDescription(
            guestPhysAddr: 0x1_0000_0000, memorySize: 1 << 20, userspaceAddr: 0x7f00_0000_0000, mmapOffset: 0),
            fd: OwnedFD(fd))
        let memory = GuestMemory(regions: [region])
        let user: UInt64 = 0x7f00_0000_0000
        let availUser = user + UInt64(RingLayout.descriptorTableBytes(size))
        let usedUser = user + 0x1000
        let queue = try SplitQueue(memory: memory, size: size, descUser: user, availUser: availUser,
                                   usedUser: usedUser, lastAvail: 0, eventIdx: true, indirect: true)
        // No kick fd: the worker polls the ring every millisecond, as with a polling frontend.
        let ring = ActiveRing(index: 1, queue: queue, kick: nil, call: CallNotifier(nil))
        let counter = CountingLog()
        let logger = Logger(label: "test", factory: counter.handler)
        let worker = try QueueWorker(ring: ring, handler: NoReplies(), mode: .inline, pool: nil, logger: logger)
        let avail = try memory.translate(user: availUser, length: UInt64(RingLayout.availBytes(size)))
        strait_store_release_u16(avail + 2, UInt16(100).littleEndian)
        try worker.start()
        usleep(200_000)
        worker.stop()
        #expect(counter.broken.load(ordering: .relaxed) == 1)
    }
}
