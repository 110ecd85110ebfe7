import Glibc
import VhostUser
import Wire

extension VhostUserFrontend {
    /// SET_OWNER, GET/SET_FEATURES, GET/SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, GET_MAX_MEM_SLOTS.
    func negotiate() throws(DriverError) {
        try call(.setOwner, wantAck: false)
        offeredFeatures = try callU64(.getFeatures)
        guard offeredFeatures & VirtioFeature.version1 != 0 else {
            throw DriverError(.negotiation, "daemon does not offer VIRTIO_F_VERSION_1 (features 0x\(String(offeredFeatures, radix: 16)))")
        }
        var wanted = FrontendConfiguration.wantedFeatures
        if !configuration.indirect { wanted &= ~VirtioFeature.ringIndirectDesc }
        if !configuration.eventIdx { wanted &= ~VirtioFeature.ringEventIdx }
        let acked = offeredFeatures & wanted
        if acked & VirtioFeature.protocolFeatures != 0 {
            offeredProtocolFeatures = try callU64(.getProtocolFeatures)
            let wantedProtocol = FrontendConfiguration.wantedProtocolFeatures
            let ackedProtocol = offeredProtocolFeatures & wantedProtocol
            try send(.setProtocolFeatures, u64: ackedProtocol)
            protocolFeatures = ackedProtocol
        }
        if protocolFeatures & ProtocolFeature.mq != 0 {
            daemonQueueCount = Int(clamping: try callU64(.getQueueNum))
        } else {
            daemonQueueCount = 2
        }
        guard daemonQueueCount >= 2 else {
            throw DriverError(.negotiation, "daemon has \(daemonQueueCount) queues; virtio-fs needs hiprio plus one request queue")
        }
        if protocolFeatures & ProtocolFeature.configureMemSlots != 0 {
            maxMemSlots = try callU64(.getMaxMemSlots)
        }
        try send(.setFeatures, u64: acked)
        features = acked
    }

    /// GET_CONFIG (the 40-byte virtio-fs config) and GET_SHMEM_CONFIG (the DAX window's size),
    /// when negotiated, as QEMU's generic device does at realize.
    func readDeviceConfig() throws(DriverError) {
        if protocolFeatures & ProtocolFeature.config != 0 {
            var w = ByteWriter(capacity: DeviceConfigMessage.headerSize + VirtioFSConfigSpace.size)
            DeviceConfigMessage(offset: 0, flags: 0, bytes: [UInt8](repeating: 0, count: VirtioFSConfigSpace.size)).encode(into: &w)
            var c = ByteCursor(try call(.getConfig, payload: w.bytes))
            guard let reply = try? DeviceConfigMessage(from: &c), reply.bytes.count == VirtioFSConfigSpace.size else {
                throw DriverError(.protocolViolation, "GET_CONFIG reply is not a \(VirtioFSConfigSpace.size)-byte config")
            }
            deviceConfig = reply.bytes
        }
        guard configuration.daxWindowSize > 0, protocolFeatures & ProtocolFeature.shmem != 0 else { return }
        var c = ByteCursor(try call(.getShmemConfig))
        guard c.remaining == ShmemConfig.size, let shm = try? ShmemConfig(from: &c) else {
            throw DriverError(.protocolViolation, "GET_SHMEM_CONFIG reply of \(c.remaining) bytes, not \(ShmemConfig.size)")
        }
        guard let size = shm.sizes.first, size > 0 else { return }
        guard size <= configuration.daxWindowSize else {
            throw DriverError(.negotiation, "daemon asks for a \(size)-byte DAX window, more than the \(configuration.daxWindowSize) accepted")
        }
        dax = try DaxWindowRegion(size: size)
    }

    /// SET_MEM_TABLE, or one ADD_MEM_REG per region when CONFIGURE_MEM_SLOTS is negotiated.
    func sendMemory() throws(DriverError) {
        let slots = protocolFeatures & ProtocolFeature.configureMemSlots != 0
        let useAdd: Bool
        switch configuration.memoryMessages {
        case .automatic: useAdd = slots
        case .setMemTable: useAdd = false
        case .addMemReg:
            guard slots else { throw DriverError(.negotiation, "daemon does not offer CONFIGURE_MEM_SLOTS") }
            useAdd = true
        }
        let table = memory.tableDescription
        if useAdd {
            for region in table.regions {
                var w = ByteWriter(capacity: SingleMemoryRegion.size)
                SingleMemoryRegion(region: region).encode(into: &w)
                try call(.addMemReg, payload: w.bytes, fds: [memory.fd.rawValue])
            }
        } else {
            var w = ByteWriter(capacity: 8 + MemoryRegionDescription.size * table.regions.count)
            table.encode(into: &w)
            try call(.setMemTable, payload: w.bytes, fds: Array(repeating: memory.fd.rawValue, count: table.regions.count))
        }
    }

    /// SET_BACKEND_REQ_FD with one end of a socketpair; our thread serves the other.
    func setupBackendChannel() throws(DriverError) {
        guard protocolFeatures & ProtocolFeature.backendReq != 0 else { return }
        let (ours, theirs) = try UnixSocket.pair()
        // As QEMU 11.1: a DAX map is guest memory too, so the daemon gets it as a memory region
        // (ADD_MEM_REG) before the map is acked, and loses it (REM_MEM_REG) before an unmap is.
        var regions: BackendRequestHandler.RegionMirror?
        if let window = dax, configuration.daxMapsAsMemoryRegions, protocolFeatures & ProtocolFeature.configureMemSlots != 0 {
            regions = { [weak self] adding, offset, length, fd, fdOffset throws(DriverError) in
                guard let self else { return }
                let region = MemoryRegionDescription(guestPhysAddr: Self.daxWindowGPA + offset, memorySize: length,
                                                     userspaceAddr: window.address(offset), mmapOffset: adding ? fdOffset : 0)
                var w = ByteWriter(capacity: SingleMemoryRegion.size)
                SingleMemoryRegion(region: region).encode(into: &w)
                try self.call(adding ? .addMemReg : .remMemReg, payload: w.bytes, fds: adding ? [fd] : [])
            }
        }
        let handler = BackendRequestHandler(fd: ours, window: dax, regions: regions)
        try handler.start()
        backend = handler
        try call(.setBackendReqFd, fds: [theirs.rawValue])
    }

    /// Hiprio plus the request queues: NUM, BASE, ADDR, CALL, KICK, then ENABLE (QEMU's order,
    /// with CALL before KICK so the daemon can signal from its first request on).
    func setupQueues() throws(DriverError) {
        let count = 1 + max(1, configuration.ignoreQueueLimit
            ? configuration.requestQueues : min(configuration.requestQueues, daemonQueueCount - 1))
        let eventIdx = features & VirtioFeature.ringEventIdx != 0
        let indirect = features & VirtioFeature.ringIndirectDesc != 0
        var made: [DriverQueue] = []
        for i in 0..<count {
            made.append(try DriverQueue(index: i, size: configuration.queueSize, memory: memory,
                                        allocator: allocator, eventIdx: eventIdx, indirect: indirect))
        }
        queues = made
        for q in made {
            let i = UInt32(q.index)
            try send(.setVringNum, state: VringState(index: i, num: UInt32(q.size)))
            try send(.setVringBase, state: VringState(index: i, num: 0))
            var w = ByteWriter(capacity: VringAddress.size)
            VringAddress(index: i,
                         desc: try memory.userAddress(gpa: q.descGPA, length: RingLayout.descriptorTableBytes(q.size)),
                         used: try memory.userAddress(gpa: q.usedGPA, length: RingLayout.usedBytes(q.size)),
                         avail: try memory.userAddress(gpa: q.availGPA, length: RingLayout.availBytes(q.size)))
                .encode(into: &w)
            try call(.setVringAddr, payload: w.bytes)
            try send(.setVringCall, u64: VringFile(index: i, hasFD: true).value, fds: [q.callFD.rawValue])
            try send(.setVringKick, u64: VringFile(index: i, hasFD: true).value, fds: [q.kickFD.rawValue])
        }
        if features & VirtioFeature.protocolFeatures != 0 {
            for q in made { try send(.setVringEnable, state: VringState(index: UInt32(q.index), num: 1)) }
        }
    }
}
