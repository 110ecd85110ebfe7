import Glibc
import Synchronization
import VhostUser
import Wire

/// Plays the VMM against a vhost-user-fs daemon: guest memory, negotiation, the rings, the
/// backend-request channel and the DAX window. Setup happens in `init`; `close()` tears down
/// (GET_VRING_BASE per queue, as QEMU does on stop) and hangs up.
/// @unchecked: the negotiated state is written during setup (in init and `close`) by the owner
/// thread; the completion threads only read the queues built before they start.
public final class VhostUserFrontend: @unchecked Sendable {
    public let channel: Channel
    public let memory: GuestMemoryImage
    public let allocator: GuestAllocator
    public let configuration: FrontendConfiguration
    /// Virtio features the daemon offered, and those we acknowledged.
    public internal(set) var offeredFeatures: UInt64 = 0
    public internal(set) var features: UInt64 = 0
    public internal(set) var offeredProtocolFeatures: UInt64 = 0
    public internal(set) var protocolFeatures: UInt64 = 0
    /// GET_QUEUE_NUM's answer (hiprio included).
    public internal(set) var daemonQueueCount = 0
    public internal(set) var maxMemSlots: UInt64?
    /// Queue 0 is hiprio; 1... carry requests.
    public internal(set) var queues: [DriverQueue] = []
    /// The DAX window, sized by the daemon's GET_SHMEM_CONFIG when SHMEM is negotiated.
    public internal(set) var dax: DaxWindowRegion?
    /// The device config space from GET_CONFIG (CONFIG negotiated): tag and num_request_queues.
    public internal(set) var deviceConfig: [UInt8]?
    public internal(set) var backend: BackendRequestHandler?
    private let closed = Mutex(false)
    /// One request and its reply at a time on the main channel: the backend-request thread
    /// sends ADD/REM_MEM_REG on it too (for DAX maps, as QEMU does).
    private let callLock = Mutex(())
    /// Where the DAX window sits in guest-physical space (far above guest RAM, like a 64-bit BAR).
    public static let daxWindowGPA: UInt64 = 1 << 40

    /// Connects to the daemon's socket (retrying until it appears) and sets everything up.
    public convenience init(socketPath: String, configuration: FrontendConfiguration = FrontendConfiguration(),
                            alive: () -> Bool = { true }) throws(DriverError) {
        let fd = try UnixSocket.connect(path: socketPath, timeout: configuration.connectTimeout, alive: alive)
        try self.init(connected: fd, configuration: configuration)
    }

    /// Sets up over an already connected socket.
    public init(connected fd: OwnedFD, configuration: FrontendConfiguration = FrontendConfiguration()) throws(DriverError) {
        channel = Channel(fd: fd)
        self.configuration = configuration
        memory = try GuestMemoryImage(layout: configuration.memory)
        allocator = GuestAllocator(memory: memory)
        try negotiate()
        try readDeviceConfig()
        try sendMemory()
        try setupBackendChannel()
        try setupQueues()
    }

    deinit { _ = close() }

    public var replyAck: Bool { protocolFeatures & ProtocolFeature.replyAck != 0 }
    public var requestQueueCount: Int { max(queues.count - 1, 0) }

    /// Sends one frontend message and returns its reply payload: the protocol's own reply for GET_*
    /// messages, or (with REPLY_ACK) the ack, which must be zero.
    @discardableResult
    public func call(_ request: FrontendRequest, payload: [UInt8] = [], fds: [Int32] = [],
                     wantAck: Bool = true) throws(DriverError) -> [UInt8] {
        try callLock.withLock { _ throws(DriverError) -> [UInt8] in
            try callUnlocked(request, payload: payload, fds: fds, wantAck: wantAck)
        }
    }

    private func callUnlocked(_ request: FrontendRequest, payload: [UInt8], fds: [Int32],
                              wantAck: Bool) throws(DriverError) -> [UInt8] {
        let ack = !request.hasReply && replyAck && wantAck
        let flags = MessageFlags.version | (ack ? MessageFlags.needReply : 0)
        do {
            try channel.send(request: request.rawValue, flags: flags, payload: payload, fds: fds)
            guard request.hasReply || ack else { return [] }
            let answer = try channel.receive()
            guard answer.header.request == request.rawValue, answer.header.isReply else {
                throw DriverError(.protocolViolation, "expected the reply to \(request), got request \(answer.header.request)")
            }
            if ack {
                var c = answer.cursor
                let status = (try? c.readU64()) ?? UInt64.max
                guard status == 0 else {
                    throw DriverError(.negotiation, "daemon rejected \(request) (status \(status))")
                }
            }
            return answer.payload
        } catch let e as VhostUserError {
            throw DriverError(e.code == .disconnected ? .disconnected : .protocolViolation, "\(request): \(e.message)", errno: e.errno)
        } catch let e as DriverError {
            throw e
        } catch {
            throw DriverError(.protocolViolation, "\(request)", cause: error)
        }
    }

    func callU64(_ request: FrontendRequest) throws(DriverError) -> UInt64 {
        let payload = try call(request)
        var c = ByteCursor(payload)
        do { return try c.readU64() } catch {
            throw DriverError(.protocolViolation, "\(request) reply has no u64", cause: error)
        }
    }

    func send(_ request: FrontendRequest, u64 value: UInt64, fds: [Int32] = []) throws(DriverError) {
        var w = ByteWriter(capacity: 8)
        w.write(value)
        try call(request, payload: w.bytes, fds: fds)
    }

    func send(_ request: FrontendRequest, state: VringState) throws(DriverError) {
        var w = ByteWriter(capacity: VringState.size)
        state.encode(into: &w)
        try call(request, payload: w.bytes)
    }

    /// Stops the queues (GET_VRING_BASE each, returning the daemon's indices), ends the
    /// backend-request thread and closes the connection. Idempotent.
    @discardableResult
    public func close() -> [UInt32] {
        let already = closed.withLock { c in defer { c = true }; return c }
        if already { return [] }
        var bases: [UInt32] = []
        for q in queues {
            var w = ByteWriter(capacity: VringState.size)
            VringState(index: UInt32(q.index), num: 0).encode(into: &w)
            guard let reply = try? call(.getVringBase, payload: w.bytes) else { break }
            var c = ByteCursor(reply)
            if let s = try? VringState(from: &c) { bases.append(s.num) }
        }
        shutdown(channel.fd.rawValue, Int32(SHUT_RDWR))
        backend?.stop()
        return bases
    }
}
