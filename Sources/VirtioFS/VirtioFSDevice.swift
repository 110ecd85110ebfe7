import Logging
import Synchronization
import VhostUser

/// The virtio-fs device behind one vhost-user connection: queue 0 is hiprio (FORGET, INTERRUPT),
/// queues 1... carry requests, and every queue the frontend starts is served (the reference
/// daemons serve one request queue only).
public final class VirtioFSDevice: VhostUserDevice, Sendable {
    public let maxQueues: Int
    public let deviceFeatures: UInt64 = 0
    private let handler: RequestHandler
    private let mode: ProcessingMode
    private let pool: WorkerPool?
    private let poll: PollHost?
    private let logger: Logger
    private let workers = Mutex<[Int: QueueWorker]>([:])
    private let onBackendChannel: @Sendable (Channel?) -> Void
    private let onReset: @Sendable () -> Void
    public let configSpace: [UInt8]?
    public let sharedMemoryRegions: [UInt64]

    /// - Parameters:
    ///   - requestQueues: request queues offered besides hiprio (GET_QUEUE_NUM reports one more).
    ///   - onBackendChannel: told when the backend-request channel (DAX) appears or goes.
    ///   - poll: what a queue thread does before sleeping; nil sleeps at once.
    public init(handler: RequestHandler, mode: ProcessingMode, requestQueues: Int, logger: Logger,
                poll: PollHost? = nil,
                onBackendChannel: @escaping @Sendable (Channel?) -> Void = { _ in },
                onReset: @escaping @Sendable () -> Void = {},
                configSpace: [UInt8]? = nil, sharedMemoryRegions: [UInt64] = []) {
        self.configSpace = configSpace
        self.sharedMemoryRegions = sharedMemoryRegions
        self.handler = handler
        self.mode = mode
        maxQueues = 1 + max(1, requestQueues)
        self.logger = logger
        self.poll = poll
        self.onBackendChannel = onBackendChannel
        self.onReset = onReset
        switch mode {
        case .inline: pool = nil
        case .pool(let n), .auto(let n, _): pool = WorkerPool(threads: n, name: "straitd-pool")
        }
    }

    deinit { pool?.shutdown() }

    public func start(ring: ActiveRing) {
        let worker: QueueWorker
        do {
            worker = try QueueWorker(ring: ring, handler: handler, mode: mode, pool: pool, logger: logger, poll: poll)
        } catch {
            logger.error("cannot start queue \(ring.index): \(error)")
            return
        }
        workers.withLock { $0[ring.index] = worker }
        do {
            try worker.start()
        } catch {
            _ = workers.withLock { $0.removeValue(forKey: ring.index) }
            logger.error("cannot start queue \(ring.index): \(error)")
        }
    }

    public func stop(ring index: Int) {
        let worker = workers.withLock { $0.removeValue(forKey: index) }
        worker?.stop()
    }

    public func backendChannelChanged(_ channel: Channel?) { onBackendChannel(channel) }

    public func reset() {
        let all = workers.withLock { w in defer { w.removeAll() }; return Array(w.values) }
        for worker in all { worker.stop() }
        onReset()
    }
}
