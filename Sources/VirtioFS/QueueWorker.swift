import CShims
import Glibc
import Logging
import Posix
import Synchronization
import VhostUser

/// Serves one started ring on its own thread: waits for kicks, takes every available chain and
/// processes it inline or on the pool according to the processing mode.
/// @unchecked: `broken` is mutable state of the queue thread alone (pool threads only reach
/// `process`/`finish`, which touch atomics and the ring); the compiler cannot see that split.
final class QueueWorker: @unchecked Sendable {
    let ring: ActiveRing
    private let handler: RequestHandler
    private let mode: ProcessingMode
    private let pool: WorkerPool?
    private let logger: Logger
    private let stopFD: OwnedFD
    private let done = Semaphore()
    /// Requests taken but not yet completed; `stop` waits for these.
    private let inFlight = Atomic<Int>(0)

    /// Header + arguments of requests handled on the queue thread are copied here (no array
    /// per request); pool threads allocate theirs.
    private let scratch = ArgumentScratch()

    /// nil or mode off: sleep as soon as the ring is empty.
    private let pollHost: PollHost?

    init(ring: ActiveRing, handler: RequestHandler, mode: ProcessingMode, pool: WorkerPool?, logger: Logger,
         poll: PollHost? = nil) throws {
        self.ring = ring
        self.handler = handler
        self.mode = mode
        self.pool = pool
        self.pollHost = poll?.mode == .off ? nil : poll
        var logger = logger
        logger[metadataKey: "queue"] = "\(ring.index)"
        self.logger = logger
        let fd = strait_eventfd(0, Int32(EFD_CLOEXEC))
        guard fd >= 0 else { throw VhostUserError.system("eventfd") }
        stopFD = OwnedFD(fd)
    }

    func start() throws {
        guard PosixThread.start(name: "queue-\(ring.index)", { [self] in run() }) else {
            throw VhostUserError.system("pthread_create for queue \(ring.index)")
        }
    }

    /// Stops taking requests, ends those waiting to be answered later (a SETLKW gets EINTR),
    /// then waits (bounded) for those in flight; the caller closes the ring after this.
    func stop() {
        var one: UInt64 = 1
        _ = write(stopFD.rawValue, &one, 8)
        done.wait()
        handler.cancelWaiting(queue: ring.index)
        let deadline = monotonicSeconds() + 5
        while inFlight.load(ordering: .acquiring) > 0 && monotonicSeconds() < deadline { usleep(1000) }
        let left = inFlight.load(ordering: .acquiring)
        if left > 0 { logger.warning("ring stopped with \(left) requests still in flight") }
    }

    /// Serves until stopped: the ring is served before the first sleep too (entries may be
    /// waiting, and a previous owner may have left kicks suppressed), and after every wakeup.
    private func run() {
        defer { done.signal() }
        // Which request queues a guest really uses (Linux 6.11+ picks one per CPU): the harness
        // reads this line from the daemon's log.
        defer {
            // In the auto mode, how many went to the pool: what the switch decided, visible
            // outside a profiler (its decisions depend on timing that valgrind distorts).
            let handed = if case .auto = mode { ", \(offloaded) handed to the pool" } else { "" }
            logger.info("queue \(ring.index) stopped: \(served) requests served\(handed)")
        }
        var polling = Polling(host: pollHost)
        defer { if pollHost != nil { logger.info("\(polling.summary)") } }
        while !broken {
            serveUntilIdle(&polling)
            if broken { return }
            let slept = monotonicNanoseconds()
            guard waitForKick() else { return }
            polling.woke(blockedFor: monotonicNanoseconds() &- slept)
        }
    }

    /// Drains the ring, polls it for the window `polling` allows, and returns once it is empty
    /// with the kick armed (or broken). Kicks stay suppressed while the thread is awake.
    private func serveUntilIdle(_ polling: inout Polling) {
        ring.queue.suppressKicks()
        while true {
            drain()
            if broken { return }
            let window = polling.window()
            if window > 0, polling.spun(spin(window), window: window) { continue }
            if !ring.queue.armKickAndCheck() { return }
            polling.arrivedWhileArming()
            ring.queue.suppressKicks()
        }
    }

    /// Checks the available index until it moves or `window` passes; returns the nanoseconds
    /// spun, or nil when nothing arrived.
    private func spin(_ window: UInt64) -> UInt64? {
        let last = ring.queue.lastAvailIndex
        let start = monotonicNanoseconds()
        while true {
            if ring.queue.hasAvailable(after: last) { return monotonicNanoseconds() &- start }
            for _ in 0..<8 { strait_cpu_relax() }
            if monotonicNanoseconds() &- start >= window { return nil }
        }
    }

    /// Blocks until a kick or a stop; false on stop. Without a kick fd, polls.
    private func waitForKick() -> Bool {
        let kick = ring.kick?.rawValue ?? -1
        // Two pollfds on the stack (a tuple), not an array per wait.
        var fds = (pollfd(fd: stopFD.rawValue, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: kick, events: Int16(POLLIN), revents: 0))
        let count: nfds_t = kick >= 0 ? 2 : 1
        while true {
            let n = withUnsafeMutablePointer(to: &fds) { pair in
                pair.withMemoryRebound(to: pollfd.self, capacity: 2) { poll($0, count, kick >= 0 ? -1 : 1) }
            }
            if n < 0 && errno == EINTR { continue }
            if fds.0.revents != 0 { return false }
            if kick >= 0 && fds.1.revents & Int16(POLLIN) != 0 {
                var value: UInt64 = 0
                _ = read(kick, &value, 8)
            }
            return true
        }
    }

    /// Set when the guest corrupted the ring (available index out of range): the thread stops
    /// serving it instead of spinning on an index that stays ahead. Queue thread only.
    private var broken = false
    /// Chains taken off this ring, and (auto mode) those handed to the pool. Queue thread only.
    private var served = 0
    private var offloaded = 0
    /// Never inlined: scripts/bench-instructions.sh counts the instructions under this symbol
    /// (one call per drain, not per request).
    @inline(never)
    private func drain() {
        while true {
            let next: SplitQueue.Next
            do { next = try ring.queue.pop() } catch {
                logger.error("queue broken, no longer served: \(error.message)")
                broken = true
                return
            }
            switch next {
            case .empty:
                return
            case .malformed(let head, let error):
                logger.warning("malformed descriptor chain returned unanswered: \(error.message)")
                ring.complete(head: head, written: 0)
            case .chain(let chain):
                served &+= 1
                dispatch(chain)
            }
        }
    }

    private func dispatch(_ chain: DescriptorChain) {
        inFlight.add(1, ordering: .relaxed)
        switch mode {
        case .inline:
            handle(chain, scratch: scratch)
        case .pool:
            submit(chain)
        case .auto(_, let threshold):
            // Depth = requests of this ring in flight (this one included) + those still waiting.
            let depth = inFlight.load(ordering: .relaxed) + ring.queue.pendingCount
            let average = serviceNanoseconds.load(ordering: .relaxed)
            if AutoSwitch.offload(depth: depth, threshold: threshold, averageServiceNanoseconds: average) {
                offloaded &+= 1
                submit(chain)
            } else {
                process(chain, scratch: scratch)  // on the queue thread; records its service time
            }
        }
    }

    /// Moving average of how long a request of this ring takes to handle, in the auto mode:
    /// what decides whether the pool can pay off (`AutoSwitch`). Updated from the queue thread
    /// and pool threads without a lock; a lost update only delays the average by one sample.
    private let serviceNanoseconds = Atomic<UInt64>(0)

    private func recordService(_ ns: UInt64) {
        let old = serviceNanoseconds.load(ordering: .relaxed)
        serviceNanoseconds.store(AutoSwitch.average(old, sample: ns), ordering: .relaxed)
    }

    private func submit(_ chain: DescriptorChain) {
        if let pool { pool.submit(WorkerPool.Job(worker: self, chain: chain)) } else { process(chain, scratch: scratch) }
    }

    /// Runs one request on the calling thread (the queue's or a pool thread) and completes it,
    /// unless the handler answers later (a waiting SETLKW); in the auto mode it times it.
    func process(_ chain: DescriptorChain, scratch: ArgumentScratch? = nil) {
        guard case .auto = mode else { return handle(chain, scratch: scratch) }
        let start = monotonicNanoseconds()
        handle(chain, scratch: scratch)
        recordService(monotonicNanoseconds() &- start)
    }

    /// Handles one request and completes it. The interrupt is decided per completion, right after
    /// it is published: with EVENT_IDX the guest's used_event already suppresses every interrupt
    /// it does not need (a Linux guest re-arms it only after harvesting), so holding interrupts
    /// back until the available ring is empty saves none the guest wants to skip and makes a guest
    /// wait for completions already made while the rest of the batch is processed (issue 11).
    private func handle(_ chain: DescriptorChain, scratch: ArgumentScratch?) {
        #if STRAIT_CALIBRATION_BUSYWAIT
        CalibrationSpin.spin()
        #endif
        let buffers = RequestBuffers(readable: chain.readable, writable: chain.writable, queue: ring.index,
                                     scratch: scratch)
        let written = handler.handleNow(buffers) {
            { [self] written in finish(chain, written) }
        }
        if let written { finish(chain, written) }
    }

    private func finish(_ chain: DescriptorChain, _ written: UInt32) {
        ring.complete(chain, written: written)
        inFlight.subtract(1, ordering: .releasing)
    }
}
