import CShims
import Foundation
import Glibc
import Logging
import Synchronization
import VhostUser

/// Serves one started ring on its own thread: waits for kicks, takes every available chain and
/// processes it inline or on the pool according to the processing mode.
final class QueueWorker: @unchecked Sendable {
    let ring: ActiveRing
    private let handler: RequestHandler
    private let mode: ProcessingMode
    private let pool: WorkerPool?
    private let logger: Logger
    private let stopFD: OwnedFD
    private let done = DispatchSemaphore(value: 0)
    /// Requests taken but not yet completed; `stop` waits for these.
    private let inFlight = Atomic<Int>(0)

    init(ring: ActiveRing, handler: RequestHandler, mode: ProcessingMode, pool: WorkerPool?, logger: Logger) throws {
        self.ring = ring
        self.handler = handler
        self.mode = mode
        self.pool = pool
        var logger = logger
        logger[metadataKey: "queue"] = "\(ring.index)"
        self.logger = logger
        let fd = strait_eventfd(0, Int32(EFD_CLOEXEC))
        guard fd >= 0 else { throw VhostUserError.system("eventfd") }
        stopFD = OwnedFD(fd)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "queue-\(ring.index)"
        thread.start()
    }

    /// Stops taking requests, then waits (bounded) for those in flight to complete.
    func stop() {
        var one: UInt64 = 1
        _ = write(stopFD.rawValue, &one, 8)
        done.wait()
        let deadline = Date().addingTimeInterval(5)
        while inFlight.load(ordering: .acquiring) > 0 && Date() < deadline { usleep(1000) }
        let left = inFlight.load(ordering: .acquiring)
        if left > 0 { logger.warning("ring stopped with \(left) requests still in flight") }
    }

    private func run() {
        defer { done.signal() }
        while waitForKick() {
            repeat { drain() } while ring.queue.armKickAndCheck()
        }
    }

    /// Blocks until a kick or a stop; false on stop. Without a kick fd, polls.
    private func waitForKick() -> Bool {
        var fds = [pollfd(fd: stopFD.rawValue, events: Int16(POLLIN), revents: 0)]
        if let kick = ring.kick { fds.append(pollfd(fd: kick.rawValue, events: Int16(POLLIN), revents: 0)) }
        while true {
            let n = poll(&fds, nfds_t(fds.count), ring.kick == nil ? 1 : -1)
            if n < 0 && errno == EINTR { continue }
            if fds[0].revents != 0 { return false }
            if fds.count > 1 && fds[1].revents & Int16(POLLIN) != 0 {
                var value: UInt64 = 0
                _ = read(fds[1].fd, &value, 8)
            }
            return true
        }
    }

    private func drain() {
        while true {
            let next: SplitQueue.Next
            do { next = try ring.queue.pop() } catch {
                logger.error("queue broken, no longer served: \(error.message)")
                return
            }
            switch next {
            case .empty:
                return
            case .malformed(let head, let error):
                logger.warning("malformed descriptor chain returned unanswered: \(error.message)")
                ring.complete(head: head, written: 0)
            case .chain(let chain):
                dispatch(chain)
            }
        }
    }

    private func dispatch(_ chain: DescriptorChain) {
        inFlight.add(1, ordering: .relaxed)
        let ring = self.ring
        let handler = self.handler
        let buffers = RequestBuffers(readable: chain.readable, writable: chain.writable)
        let work: @Sendable () -> Void = { [inFlight = self] in
            handler.handle(buffers) { written in
                ring.complete(chain, written: written)
                inFlight.inFlight.subtract(1, ordering: .releasing)
            }
        }
        switch mode {
        case .inline:
            work()
        case .pool:
            pool?.submit(work) ?? work()
        case .auto(_, let threshold):
            // Depth = requests of this ring in flight (this one included) + those still waiting.
            let depth = inFlight.load(ordering: .relaxed) + ring.queue.pendingCount
            if depth <= threshold { work() } else { pool?.submit(work) ?? work() }
        }
    }
}
