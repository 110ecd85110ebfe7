import Glibc
import Wire

/// What the frontend has told us about one ring so far.
struct RingSlot {
    var size = 0
    var address: VringAddress?
    var base: UInt16 = 0
    var kick: OwnedFD?
    var kickSet = false
    var call = CallNotifier(nil)
    var err: OwnedFD?
    var enabled = false
    var running: ActiveRing?
}

extension Backend {
    func slotIndex(_ index: UInt32) throws(VhostUserError) -> Int {
        guard Int(index) < slots.count else {
            throw VhostUserError(.protocolViolation, "ring \(index) does not exist (device has \(slots.count))")
        }
        return Int(index)
    }

    func setVringState(_ request: FrontendRequest, _ state: VringState) throws(VhostUserError) {
        let i = try slotIndex(state.index)
        switch request {
        case .setVringNum:
            guard RingLayout.isValidSize(Int(state.num)) else {
                throw VhostUserError(.protocolViolation, "ring \(i) size \(state.num) is not a power of two in 1...32768")
            }
            slots[i].size = Int(state.num)
        case .setVringBase:
            guard state.num <= UInt32(UInt16.max) else {
                throw VhostUserError(.protocolViolation, "ring \(i) base \(state.num) exceeds 16 bits")
            }
            slots[i].base = UInt16(state.num)
        default:
            slots[i].enabled = state.num != 0
            if slots[i].enabled { try startIfReady(i) } else { stop(i) }
        }
    }

    func setVringAddress(_ address: VringAddress) throws(VhostUserError) {
        let i = try slotIndex(address.index)
        slots[i].address = address
    }

    func setVringFile(_ request: FrontendRequest, _ file: VringFile, fds: [OwnedFD]) throws(VhostUserError) {
        let i = try slotIndex(file.index)
        if file.hasFD && fds.isEmpty {
            throw VhostUserError(.protocolViolation, "\(request) for ring \(i) promised an fd and sent none")
        }
        let fd = file.hasFD ? fds.first : nil
        switch request {
        case .setVringKick:
            // A new kick starts the ring (after stopping it if it was running).
            stop(i)
            slots[i].kick = fd
            slots[i].kickSet = true
            try startIfReady(i)
        case .setVringCall:
            slots[i].call.replace(fd)
        default:
            slots[i].err = fd
        }
    }

    /// GET_VRING_BASE stops the ring and reports where the device stopped reading.
    func getVringBase(index: UInt32) throws(VhostUserError) -> [UInt8] {
        let i = try slotIndex(index)
        stop(i)
        slots[i].kickSet = false
        slots[i].kick = nil
        var writer = ByteWriter(capacity: VringState.size)
        VringState(index: index, num: UInt32(slots[i].base)).encode(into: &writer)
        return writer.bytes
    }

    /// Starts ring `i` when it has a size, addresses, a kick and is enabled.
    func startIfReady(_ i: Int) throws(VhostUserError) {
        let slot = slots[i]
        guard slot.running == nil, slot.enabled, slot.kickSet, slot.size > 0, let address = slot.address else { return }
        let queue = try SplitQueue(memory: memory, size: slot.size, descUser: address.descUserAddr,
                                   availUser: address.availUserAddr, usedUser: address.usedUserAddr,
                                   lastAvail: slot.base,
                                   eventIdx: ackedFeatures & VirtioFeature.ringEventIdx != 0,
                                   indirect: ackedFeatures & VirtioFeature.ringIndirectDesc != 0)
        let logUsed = address.flags & VringAddress.flagLog != 0 ? address.logGuestAddr : nil
        let ring = ActiveRing(index: i, queue: queue, kick: slot.kick, call: slot.call, log: dirtyLog, usedLogAddress: logUsed)
        slots[i].running = ring
        logger.debug("ring started", metadata: ["ring": "\(i)", "size": "\(slot.size)", "base": "\(slot.base)"])
        device.start(ring: ring)
    }

    /// Stops ring `i` if running, remembering where it stopped so a restart continues from there.
    func stop(_ i: Int) {
        guard let ring = slots[i].running else { return }
        device.stop(ring: i)
        ring.queue.close()  // whatever the device still completes now goes nowhere
        slots[i].base = ring.queue.lastAvailIndex
        slots[i].running = nil
        logger.debug("ring stopped", metadata: ["ring": "\(i)", "base": "\(slots[i].base)"])
    }

    func stopAll() {
        for i in slots.indices { stop(i) }
    }

    /// After ADD_MEM_REG / REM_MEM_REG: rebuilds only the running rings whose descriptor table,
    /// avail or used ring lie in `region`. QEMU 11.1 adds and removes a region for every DAX
    /// SHMEM_MAP / SHMEM_UNMAP, from inside its handling of that message, while the worker that
    /// sent it waits for the ack; stopping that worker's ring there would deadlock both sides.
    /// The other rings keep the memory they were started with (an unmapped region stays mapped
    /// for them until they restart, so nothing they hold dangles); what they do not see is a
    /// region added since, which only DAX-window buffers would need (docs/dax.md).
    func restartRunning(touching region: MemoryRegionDescription) throws(VhostUserError) {
        let lo = region.userspaceAddr
        let (end, overflow) = lo.addingReportingOverflow(region.memorySize)
        let hi = overflow ? UInt64.max : end
        func inside(_ start: UInt64, _ length: Int) -> Bool {
            let (stop, wraps) = start.addingReportingOverflow(UInt64(length))
            return start < hi && lo < (wraps ? UInt64.max : stop)
        }
        let touched = slots.indices.filter { i in
            guard slots[i].running != nil, let a = slots[i].address else { return false }
            let size = slots[i].size
            return inside(a.descUserAddr, RingLayout.descriptorTableBytes(size))
                || inside(a.availUserAddr, RingLayout.availBytes(size)) || inside(a.usedUserAddr, RingLayout.usedBytes(size))
        }
        for i in touched { stop(i) }
        for i in touched { try startIfReady(i) }
    }

    /// Rebuilds running rings over a new memory table (their addresses are re-translated).
    func restartRunning() throws(VhostUserError) {
        let running = slots.indices.filter { slots[$0].running != nil }
        for i in running { stop(i) }
        for i in running { try startIfReady(i) }
    }
}
