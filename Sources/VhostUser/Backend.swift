import Glibc
import Logging
import Wire

/// The backend side of a vhost-user connection: answers the frontend's messages, maps guest
/// memory, builds rings and hands started rings to the device. One connection, one thread.
/// @unchecked: its mutable state belongs to the one connection thread that runs it (see above);
/// other threads only receive started rings from it.
public final class Backend: @unchecked Sendable {
    public static let transportFeatures: UInt64 = VirtioFeature.version1 | VirtioFeature.ringIndirectDesc
        | VirtioFeature.ringEventIdx | VirtioFeature.protocolFeatures | VirtioFeature.logAll
    public static let supportedProtocolFeatures: UInt64 = ProtocolFeature.mq | ProtocolFeature.logShmfd
        | ProtocolFeature.replyAck | ProtocolFeature.backendReq | ProtocolFeature.backendSendFd
        | ProtocolFeature.configureMemSlots
    /// What this device adds: CONFIG with a config space, SHMEM with shared-memory regions.
    public var protocolFeatures: UInt64 {
        Self.supportedProtocolFeatures
            | (device.configSpace != nil ? ProtocolFeature.config : 0)
            | (device.sharedMemoryRegions.isEmpty ? 0 : ProtocolFeature.shmem)
    }
    /// GET_MAX_MEM_SLOTS: what QEMU allows on x86 (ACPI slots).
    public static let maxMemSlots: UInt64 = 509

    let channel: Channel
    let device: VhostUserDevice
    let logger: Logger

    var ackedFeatures: UInt64 = 0
    var ackedProtocolFeatures: UInt64 = 0
    var memory = GuestMemory()
    var slots: [RingSlot]
    var backendChannel: Channel?
    let dirtyLog = DirtyLog()

    public init(channel: Channel, device: VhostUserDevice, logger: Logger) {
        self.channel = channel
        self.device = device
        self.logger = logger
        slots = (0..<device.maxQueues).map { _ in RingSlot() }
    }

    /// Serves the connection until the frontend disconnects (returns) or the socket fails (throws).
    public func run() throws(VhostUserError) {
        defer { stopAll(); device.reset() }
        while true {
            let message: Message
            do { message = try channel.receive() } catch {
                if error.code == .disconnected { logger.info("frontend disconnected"); return }
                throw error
            }
            try handle(message)
        }
    }

    /// Handles one message (the run loop and the fuzzer call this), replying as the protocol requires; malformed payloads get a failure
    /// ack (when asked for) and the connection goes on.
    public func handle(_ message: Message) throws(VhostUserError) {
        let header = message.header
        guard let request = FrontendRequest(rawValue: header.request) else {
            logger.warning("unknown vhost-user request", metadata: ["request": "\(header.request)"])
            try ack(header, success: false)
            return
        }
        logger.trace("vhost-user message", metadata: ["request": "\(request)", "size": "\(header.size)"])
        let reply: [UInt8]?
        do throws(VhostUserError) {
            reply = try respond(to: request, message)
        } catch {
            logger.error("vhost-user \(request) failed: \(error.message)")
            if request.hasReply {
                try channel.reply(to: header, payload: u64(UInt64.max))
            } else {
                try ack(header, success: false)
            }
            return
        }
        if let reply {
            try channel.reply(to: header, payload: reply)
        } else if !request.hasReply {
            try ack(header, success: true)
        }
    }

    private func ack(_ header: MessageHeader, success: Bool) throws(VhostUserError) {
        guard ackedProtocolFeatures & ProtocolFeature.replyAck != 0, header.needsReply else { return }
        try channel.reply(to: header, payload: u64(success ? 0 : 1))
    }

    func u64(_ value: UInt64) -> [UInt8] {
        var w = ByteWriter(capacity: 8)
        w.write(value)
        return w.bytes
    }

    /// Answers one request; a non-nil result is the reply payload.
    private func respond(to request: FrontendRequest, _ message: Message) throws(VhostUserError) -> [UInt8]? {
        var c = message.cursor
        switch request {
        case .getFeatures:
            return u64(Self.transportFeatures | device.deviceFeatures)
        case .setFeatures:
            let features = try decode { () throws(WireError) in try c.readU64() }
            let offered = Self.transportFeatures | device.deviceFeatures
            guard features & ~offered == 0 else {
                throw VhostUserError(.protocolViolation, "frontend acked features 0x\(String(features & ~offered, radix: 16)) we never offered")
            }
            ackedFeatures = features
            dirtyLog.setLogging(features & VirtioFeature.logAll != 0)
            // Without PROTOCOL_FEATURES, rings are enabled as soon as they start.
            if features & VirtioFeature.protocolFeatures == 0 {
                for i in slots.indices { slots[i].enabled = true }
            }
            return nil
        case .getProtocolFeatures:
            return u64(protocolFeatures)
        case .setProtocolFeatures:
            let features = try decode { () throws(WireError) in try c.readU64() }
            ackedProtocolFeatures = features & protocolFeatures
            return nil
        case .setOwner:
            return nil
        case .resetOwner, .resetDevice:
            stopAll()
            device.reset()
            ackedFeatures = 0
            slots = (0..<device.maxQueues).map { _ in RingSlot() }
            return nil
        case .getQueueNum:
            return u64(UInt64(device.maxQueues))
        case .getMaxMemSlots:
            return u64(Self.maxMemSlots)
        case .setMemTable:
            let table = try decode { () throws(WireError) in try MemoryTableDescription(from: &c) }
            try setMemTable(table, fds: message.fds)
            return nil
        case .addMemReg:
            let region = try decode { () throws(WireError) in try SingleMemoryRegion(from: &c) }
            try addRegion(region.region, fds: message.fds)
            return nil
        case .remMemReg:
            let region = try decode { () throws(WireError) in try SingleMemoryRegion(from: &c) }
            try removeRegion(region.region)
            return nil
        case .setLogBase:
            let log = try decode { () throws(WireError) in try LogDescription(from: &c) }
            try setLogBase(log, fds: message.fds)
            return u64(0)
        case .setLogFd:
            return nil
        case .setVringNum, .setVringBase, .setVringEnable:
            let state = try decode { () throws(WireError) in try VringState(from: &c) }
            try setVringState(request, state)
            return nil
        case .setVringAddr:
            let address = try decode { () throws(WireError) in try VringAddress(from: &c) }
            try setVringAddress(address)
            return nil
        case .getVringBase:
            let state = try decode { () throws(WireError) in try VringState(from: &c) }
            return try getVringBase(index: state.index)
        case .setVringKick, .setVringCall, .setVringErr:
            let file = VringFile(try decode { () throws(WireError) in try c.readU64() })
            try setVringFile(request, file, fds: message.fds)
            return nil
        case .setBackendReqFd:
            guard let fd = message.fds.first else {
                throw VhostUserError(.protocolViolation, "SET_BACKEND_REQ_FD without an fd")
            }
            backendChannel = Channel(fd: fd)
            device.backendChannelChanged(backendChannel)
            return nil
        case .setStatus, .setVringEndian, .sendRarp, .netSetMtu, .iotlbMsg, .setConfig,
             .postcopyAdvise, .postcopyListen, .postcopyEnd, .setInflightFd, .vringKick:
            throw VhostUserError(.protocolViolation, "\(request) is not supported by this backend")
        case .getConfig:
            let asked = try decode { () throws(WireError) in try DeviceConfigMessage(from: &c) }
            return try configReply(asked)
        case .getShmemConfig:
            guard !device.sharedMemoryRegions.isEmpty else {
                throw VhostUserError(.protocolViolation, "GET_SHMEM_CONFIG: this device has no shared memory")
            }
            var w = ByteWriter(capacity: ShmemConfig.size)
            ShmemConfig(sizes: device.sharedMemoryRegions).encode(into: &w)
            return w.bytes
        case .getInflightFd, .getStatus:
            throw VhostUserError(.protocolViolation, "\(request) is not supported by this backend")
        }
    }

    /// GET_CONFIG: the asked window of the config space, header echoed; a window outside it
    /// is refused (the frontend then fails the device instead of reading zeros).
    private func configReply(_ asked: DeviceConfigMessage) throws(VhostUserError) -> [UInt8] {
        guard let space = device.configSpace else {
            throw VhostUserError(.protocolViolation, "GET_CONFIG: this device has no config space")
        }
        let start = Int(asked.offset), count = asked.bytes.count
        guard start <= space.count, count <= space.count - start else {
            throw VhostUserError(.protocolViolation, "GET_CONFIG of \(count) bytes at \(start) outside a \(space.count)-byte config")
        }
        var w = ByteWriter(capacity: DeviceConfigMessage.headerSize + count)
        DeviceConfigMessage(offset: asked.offset, flags: asked.flags, bytes: Array(space[start..<start + count])).encode(into: &w)
        return w.bytes
    }

    private func decode<T>(_ body: () throws(WireError) -> T) throws(VhostUserError) -> T {
        do { return try body() } catch {
            throw VhostUserError(.protocolViolation, "malformed payload: \(error)")
        }
    }
}
