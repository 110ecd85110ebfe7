import VhostUser

/// What the frontend asks of a daemon; anything the daemon does not offer is left out.
public struct FrontendConfiguration: Sendable {
    /// How guest memory is handed over, as QEMU does it: ADD_MEM_REG per region when
    /// CONFIGURE_MEM_SLOTS is negotiated, SET_MEM_TABLE otherwise (or when forced).
    public enum MemoryMessages: Sendable { case automatic, setMemTable, addMemReg }

    public var memory = GuestMemoryLayout()
    public var memoryMessages = MemoryMessages.automatic
    /// Request queues wanted (queue 0, hiprio, always comes on top); clamped to GET_QUEUE_NUM.
    public var requestQueues = 1
    /// Set up every wanted request queue even past the daemon's GET_QUEUE_NUM, as QEMU's
    /// vhost-user-fs-pci does with `num-request-queues=N` (it never asks): shows what a daemon
    /// that serves fewer does when a real VMM offers it more.
    public var ignoreQueueLimit = false
    public var queueSize = 128
    public var indirect = true
    public var eventIdx = true
    /// The largest DAX window accepted (0: none). The window's size is the daemon's, from
    /// GET_SHMEM_CONFIG (shmid 0), as QEMU's generic vhost-user device takes it.
    public var daxWindowSize: UInt64 = 0
    /// Hand every DAX map to the daemon as a memory region (ADD/REM_MEM_REG inside the map and
    /// unmap, before their ack), as QEMU 11.1 does; what one map costs includes it.
    public var daxMapsAsMemoryRegions = true
    /// Seconds to wait for the daemon's socket to appear.
    public var connectTimeout: Double = 10
    /// Spin on the used rings instead of sleeping on the call eventfds.
    public var pollUsedRings = false
    /// How the driver submits, as seen from the device.
    public enum DriverStyle: Sendable, Equatable {
        /// Every submission decides on its own kick (EVENT_IDX honoured).
        case perRequest
        /// As the Linux virtio driver under a workload that refills as completions arrive: the
        /// completion thread harvests everything the device returned (interrupt-driven,
        /// used_event re-armed after each harvest), and what the completions submit in turn
        /// goes out as one batch with one kick decision (`DriverQueue.beginBatch`).
        case linux
    }
    public var driverStyle = DriverStyle.perRequest

    public init() {}

    public static let wantedFeatures: UInt64 = VirtioFeature.version1 | VirtioFeature.protocolFeatures
        | VirtioFeature.ringIndirectDesc | VirtioFeature.ringEventIdx
    public static let wantedProtocolFeatures: UInt64 = ProtocolFeature.mq | ProtocolFeature.replyAck
        | ProtocolFeature.configureMemSlots | ProtocolFeature.backendReq | ProtocolFeature.backendSendFd
        | ProtocolFeature.logShmfd | ProtocolFeature.config | ProtocolFeature.shmem
}
