import CShims
import Glibc
import Synchronization
import VhostUser

/// The driver's side of one split virtqueue (virtio 1.2, 2.7) laid out in guest memory:
/// it publishes descriptor chains on the available ring, kicks through an eventfd, and harvests
/// the used ring. Thread-safe: submitters and the completion thread share it under one lock.
/// @unchecked: raw pointers into the guest memory image (not Sendable to Swift), used under that lock.
public final class DriverQueue: @unchecked Sendable {
    /// One buffer of a chain, in guest physical addresses.
    public struct Segment: Sendable {
        public var gpa: UInt64
        public var length: UInt32
        public init(gpa: UInt64, length: UInt32) {
            self.gpa = gpa
            self.length = length
        }
    }

    /// A used-ring element: whose chain came back and how many bytes the device wrote.
    public struct Completion: Sendable {
        public var token: UInt64
        public var written: UInt32
    }

    struct Slot {
        var token: UInt64
        var descriptors: [UInt16]
        var indirectTable: GuestBuffer?
    }

    struct State {
        var free: [UInt16]
        var slots: [Slot?]
        var availIdx: UInt16 = 0
        var lastUsed: UInt16 = 0
        /// While a batch is open (`beginBatch`): the available index when it opened. Chains
        /// published meanwhile are not kicked one by one; `endBatch` decides once for all.
        var batchStart: UInt16?
    }

    public let index: Int
    public let size: Int
    public let ring: GuestBuffer
    public let descGPA: UInt64
    public let availGPA: UInt64
    public let usedGPA: UInt64
    public let kickFD: OwnedFD
    public let callFD: OwnedFD
    public let eventIdx: Bool
    public let indirect: Bool

    let memory: GuestMemoryImage
    let allocator: GuestAllocator
    let desc: UnsafeMutableRawPointer
    let avail: UnsafeMutableRawPointer
    let used: UnsafeMutableRawPointer
    let state: Mutex<State>
    /// Kicks the daemon skipped thanks to EVENT_IDX, and kicks sent (for tests and stats).
    private let counters = Mutex((kicks: 0, suppressed: 0))

    public init(index: Int, size: Int, memory: GuestMemoryImage, allocator: GuestAllocator,
                eventIdx: Bool, indirect: Bool) throws(DriverError) {
        guard RingLayout.isValidSize(size), size <= Int(UInt16.max) else {
            throw DriverError(.negotiation, "queue size \(size) is not a power of two up to 32768")
        }
        let descBytes = RingLayout.descriptorTableBytes(size)
        let availBytes = RingLayout.availBytes(size)
        let usedOffset = (descBytes + availBytes + 4095) & ~4095
        let total = usedOffset + RingLayout.usedBytes(size)
        ring = try allocator.allocate(total, alignment: 4096)
        descGPA = ring.gpa
        availGPA = ring.gpa + UInt64(descBytes)
        usedGPA = ring.gpa + UInt64(usedOffset)
        desc = try memory.pointer(gpa: descGPA, length: descBytes)
        avail = try memory.pointer(gpa: availGPA, length: availBytes)
        used = try memory.pointer(gpa: usedGPA, length: RingLayout.usedBytes(size))
        desc.initializeMemory(as: UInt8.self, repeating: 0, count: total)
        let kick = strait_eventfd(0, O_CLOEXEC)
        if kick < 0 { throw .system("eventfd (kick)") }
        kickFD = OwnedFD(kick)
        let call = strait_eventfd(0, O_CLOEXEC | O_NONBLOCK)
        if call < 0 { throw .system("eventfd (call)") }
        callFD = OwnedFD(call)
        self.index = index
        self.size = size
        self.memory = memory
        self.allocator = allocator
        self.eventIdx = eventIdx
        self.indirect = indirect
        state = Mutex(State(free: (0..<UInt16(size)).reversed().map { $0 },
                            slots: Array(repeating: nil, count: size)))
    }

    deinit { allocator.free(ring) }

    /// Descriptor chains currently owned by the device.
    public var inFlight: Int { state.withLock { s in s.slots.count - s.slots.filter { $0 == nil }.count } }

    public var kickCounts: (kicks: Int, suppressed: Int) { counters.withLock { $0 } }

    /// Interrupts taken (call eventfd reads that found it signalled).
    public var interruptCount: Int { interrupts.withLock { $0 } }
    private let interrupts = Mutex(0)

    func writeDescriptor(_ base: UnsafeMutableRawPointer, _ i: Int, _ s: Segment, flags: UInt16, next: UInt16) {
        let p = base + i * RingLayout.descriptorSize
        p.storeBytes(of: s.gpa.littleEndian, toByteOffset: 0, as: UInt64.self)
        p.storeBytes(of: s.length.littleEndian, toByteOffset: 8, as: UInt32.self)
        p.storeBytes(of: flags.littleEndian, toByteOffset: 12, as: UInt16.self)
        p.storeBytes(of: next.littleEndian, toByteOffset: 14, as: UInt16.self)
    }

    /// Publishes a chain (device-readable segments first, then device-writable ones) and kicks
    /// the daemon unless EVENT_IDX says it is still looking. Returns false when the ring is full.
    public func submit(readable: [Segment], writable: [Segment], token: UInt64,
                       forceDirect: Bool = false) throws(DriverError) -> Bool {
        let segments = readable + writable
        guard !segments.isEmpty else { throw DriverError(.protocolViolation, "empty descriptor chain") }
        let useIndirect = indirect && !forceDirect && segments.count > 1
        var table: GuestBuffer?
        if useIndirect {
            let t = try allocator.allocate(segments.count * RingLayout.descriptorSize, alignment: 16)
            let p = try memory.pointer(gpa: t.gpa, length: segments.count * RingLayout.descriptorSize)
            for (i, s) in segments.enumerated() {
                let last = i == segments.count - 1
                writeDescriptor(p, i, s, flags: (last ? 0 : RingLayout.DescriptorFlag.next)
                                    | (i >= readable.count ? RingLayout.DescriptorFlag.write : 0),
                                next: last ? 0 : UInt16(i + 1))
            }
            table = t
        }
        let needed = useIndirect ? 1 : segments.count
        // kick: nil when a batch is open (its `endBatch` decides).
        let published: (ok: Bool, kick: Bool?) = state.withLock { st in
            guard st.free.count >= needed else { return (false, false) }
            let ids = (0..<needed).map { _ in st.free.removeLast() }
            if let table {
                writeDescriptor(desc, Int(ids[0]),
                                Segment(gpa: table.gpa, length: UInt32(segments.count * RingLayout.descriptorSize)),
                                flags: RingLayout.DescriptorFlag.indirect, next: 0)
            } else {
                for (i, s) in segments.enumerated() {
                    let last = i == segments.count - 1
                    writeDescriptor(desc, Int(ids[i]), s,
                                    flags: (last ? 0 : RingLayout.DescriptorFlag.next)
                                        | (i >= readable.count ? RingLayout.DescriptorFlag.write : 0),
                                    next: last ? 0 : ids[i + 1])
                }
            }
            st.slots[Int(ids[0])] = Slot(token: token, descriptors: ids, indirectTable: table)
            let old = st.availIdx
            let new = old &+ 1
            avail.storeBytes(of: ids[0].littleEndian, toByteOffset: RingLayout.availRingOffset(Int(old) % size), as: UInt16.self)
            strait_store_release_u16(avail + 2, new)
            st.availIdx = new
            if st.batchStart != nil { return (true, nil) }
            return (true, needsKick(old: old, new: new))
        }
        if !published.ok {
            if let table { allocator.free(table) }
            return false
        }
        switch published.kick {
        case true?: try kick()
        case false?: counters.withLock { $0.suppressed += 1 }
        case nil: break
        }
        return true
    }

    /// virtqueue_kick_prepare: does the device want a kick for the entries old..<new? (EVENT_IDX:
    /// did the available index pass avail_event in between; otherwise the used ring's NO_NOTIFY).
    private func needsKick(old: UInt16, new: UInt16) -> Bool {
        strait_fence_seq_cst()
        if eventIdx {
            let event = strait_load_acquire_u16(used + RingLayout.availEventOffset(size))
            return UInt16(truncatingIfNeeded: new &- event &- 1) < UInt16(truncatingIfNeeded: new &- old)
        }
        return strait_load_acquire_u16(used) & RingLayout.usedNoNotify == 0
    }

    /// Opens a batch: chains submitted until `endBatch` are published at once but kicked once,
    /// as the Linux driver does for what it adds before one `virtqueue_kick` (vring_need_event
    /// over the whole batch: old = the available index before it, new = after). Nested calls
    /// keep the outer batch.
    public func beginBatch() {
        state.withLock { st in if st.batchStart == nil { st.batchStart = st.availIdx } }
    }

    /// Closes the batch and kicks if the device asked for any of its entries.
    public func endBatch() throws(DriverError) {
        let decision: (added: Bool, kick: Bool) = state.withLock { st in
            guard let start = st.batchStart else { return (false, false) }
            st.batchStart = nil
            guard start != st.availIdx else { return (false, false) }
            return (true, needsKick(old: start, new: st.availIdx))
        }
        guard decision.added else { return }
        if decision.kick { try kick() } else { counters.withLock { $0.suppressed += 1 } }
    }

    /// Writes the kick eventfd.
    public func kick() throws(DriverError) {
        var one: UInt64 = 1
        let n = write(kickFD.rawValue, &one, 8)
        if n != 8 { throw .system("write kick eventfd") }
        counters.withLock { $0.kicks += 1 }
    }

    /// Takes every chain the device has returned. With EVENT_IDX it then asks to be called at the
    /// next one; the caller must re-check (`hasPending`) after that before sleeping.
    /// `rearm: false` leaves used_event where it is, as Linux does while its callbacks are
    /// disabled (virtqueue_disable_cb during the harvest loop); `enableInterrupts()` re-arms.
    public func harvest(rearm: Bool = true) throws(DriverError) -> [Completion] {
        var freed: [GuestBuffer] = []
        let result: Result<[Completion], DriverError> = state.withLock { st in
            var out: [Completion] = []
            let usedIdx = strait_load_acquire_u16(used + 2)
            guard UInt16(truncatingIfNeeded: usedIdx &- st.lastUsed) <= UInt16(size) else {
                return .failure(DriverError(.protocolViolation, "queue \(index): used index jumped from \(st.lastUsed) to \(usedIdx)"))
            }
            while st.lastUsed != usedIdx {
                let off = RingLayout.usedRingOffset(Int(st.lastUsed) % size)
                let id = UInt32(littleEndian: used.loadUnaligned(fromByteOffset: off, as: UInt32.self))
                let len = UInt32(littleEndian: used.loadUnaligned(fromByteOffset: off + 4, as: UInt32.self))
                guard id < UInt32(size), let slot = st.slots[Int(id)] else {
                    return .failure(DriverError(.protocolViolation, "queue \(index): used ring returned descriptor \(id) that is not in flight"))
                }
                st.slots[Int(id)] = nil
                st.free.append(contentsOf: slot.descriptors)
                if let t = slot.indirectTable { freed.append(t) }
                out.append(Completion(token: slot.token, written: len))
                st.lastUsed &+= 1
            }
            if eventIdx && rearm {
                avail.storeBytes(of: st.lastUsed.littleEndian, toByteOffset: RingLayout.usedEventOffset(size), as: UInt16.self)
                strait_fence_seq_cst()
            }
            return .success(out)
        }
        for t in freed { allocator.free(t) }
        return try result.get()
    }

    /// virtqueue_enable_cb: asks for an interrupt at the next used entry (EVENT_IDX: used_event =
    /// the last harvested index); returns whether entries arrived meanwhile (then harvest again
    /// instead of sleeping, as the Linux driver's `while (!virtqueue_enable_cb(vq))` loop does).
    public func enableInterrupts() -> Bool {
        let last: UInt16 = state.withLock { st in
            if eventIdx {
                avail.storeBytes(of: st.lastUsed.littleEndian, toByteOffset: RingLayout.usedEventOffset(size), as: UInt16.self)
            }
            return st.lastUsed
        }
        strait_fence_seq_cst()
        return strait_load_acquire_u16(used + 2) != last
    }

    /// Whether the used ring holds chains not yet harvested.
    public var hasPending: Bool {
        let usedIdx = strait_load_acquire_u16(used + 2)
        return state.withLock { $0.lastUsed != usedIdx }
    }

    /// The index the device will report for the next available entry (SET_VRING_BASE).
    public var availIndex: UInt16 { state.withLock { $0.availIdx } }

    /// Sleeps until the call eventfd fires or `timeoutMs` passes; drains the counter.
    @discardableResult
    public func waitForCall(timeoutMs: Int32) -> Bool {
        var p = pollfd(fd: callFD.rawValue, events: Int16(POLLIN), revents: 0)
        let r = poll(&p, 1, timeoutMs)
        guard r > 0 else { return false }
        var value: UInt64 = 0
        if read(callFD.rawValue, &value, 8) == 8 { interrupts.withLock { $0 += 1 } }
        return true
    }
}
