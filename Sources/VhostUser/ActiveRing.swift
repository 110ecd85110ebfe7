import CShims
import Glibc
import Synchronization

/// The interrupt side of a ring: the call eventfd, which the frontend may replace while the ring runs.
public final class CallNotifier: Sendable {
    private let fd: Mutex<OwnedFD?>

    public init(_ fd: OwnedFD?) { self.fd = Mutex(fd) }

    public func replace(_ new: OwnedFD?) { fd.withLock { $0 = new } }

    /// Interrupts the guest (or does nothing if the frontend polls).
    public func signal() {
        fd.withLock { current in
            guard let current else { return }
            var one: UInt64 = 1
            _ = write(current.rawValue, &one, 8)
        }
    }
}

/// A started ring handed to the device: the queue in guest memory, the kick eventfd to wait on,
/// and the notifier to interrupt the guest.
public struct ActiveRing: Sendable {
    public let index: Int
    public let queue: SplitQueue
    /// nil when the frontend polls instead of kicking (VringFile without an fd).
    public let kick: OwnedFD?
    public let call: CallNotifier
    public let log: DirtyLog
    /// Guest address of the used ring, when the frontend asked for it to be logged.
    public let usedLogAddress: UInt64?

    public init(index: Int, queue: SplitQueue, kick: OwnedFD?, call: CallNotifier,
                log: DirtyLog = DirtyLog(), usedLogAddress: UInt64? = nil) {
        self.index = index
        self.queue = queue
        self.kick = kick
        self.call = call
        self.log = log
        self.usedLogAddress = usedLogAddress
    }

    /// Completes a chain and interrupts the guest if it asked for it.
    public func complete(head: UInt16, written: UInt32) {
        let (slot, notify) = queue.pushReportingSlot(head: head, written: written)
        logUsed(slot: slot)
        if notify { call.signal() }
    }

    /// Completes a chain whose writable buffers received `written` bytes, logging them first.
    public func complete(_ chain: DescriptorChain, written: UInt32) {
        log.mark(writable: chain.writable, written: Int(written), memory: chain.memory)
        complete(head: chain.head, written: written)
    }

    /// While migration logging is on, marks the used index and the element just written.
    private func logUsed(slot: Int) {
        guard slot >= 0, log.isActive, let used = usedLogAddress else { return }
        log.mark(guest: used + 2, length: 2)
        log.mark(guest: used + UInt64(RingLayout.usedRingOffset(slot)), length: UInt64(RingLayout.usedElementSize))
    }
}

/// What a vhost-user device implements on top of the generic backend.
public protocol VhostUserDevice: AnyObject, Sendable {
    /// Device-specific virtio feature bits offered besides the transport's.
    var deviceFeatures: UInt64 { get }
    /// How many queues the device can serve (GET_QUEUE_NUM).
    var maxQueues: Int { get }
    /// A ring is started and enabled: begin serving it.
    func start(ring: ActiveRing)
    /// Stop serving ring `index`; returns once no request of it is in flight.
    func stop(ring index: Int)
    /// The backend-request channel (DAX map/unmap) appeared or went away.
    func backendChannelChanged(_ channel: Channel?)
    /// The frontend disconnected or reset: drop per-connection state.
    func reset()
    /// The device's config space for GET_CONFIG; nil: no CONFIG protocol feature.
    var configSpace: [UInt8]? { get }
    /// Sizes of the shared-memory regions by shmid (GET_SHMEM_CONFIG); empty: no SHMEM feature.
    var sharedMemoryRegions: [UInt64] { get }
}

extension VhostUserDevice {
    public var configSpace: [UInt8]? { nil }
    public var sharedMemoryRegions: [UInt64] { [] }
}
