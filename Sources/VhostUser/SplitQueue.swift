import CShims
import Synchronization

/// The device side of one split virtqueue in guest memory: takes chains from the available ring,
/// returns them on the used ring, and decides when the guest needs an interrupt (EVENT_IDX aware).
/// One thread pops; any thread may push (a worker pool completes requests out of order).
/// @unchecked: it holds raw pointers into guest memory, which Swift cannot see as Sendable; every
/// access to the ring state goes through `popState` / `usedState`, the mappings outlive the queue.
public final class SplitQueue: @unchecked Sendable {
    public let size: Int
    public let eventIdx: Bool
    private let memory: GuestMemory
    private let desc: UnsafeMutableRawPointer
    fileprivate let avail: UnsafeMutableRawPointer
    private let used: UnsafeMutableRawPointer
    private let walker: ChainWalker

    fileprivate struct PopState {
        var lastAvail: UInt16
        /// The arrays the walker fills, kept so that popping allocates nothing while the
        /// previous chain is released first (inline processing).
        var readable: [UnsafeRawBufferPointer] = []
        var writable: [UnsafeMutableRawBufferPointer] = []
    }
    private struct UsedState { var next: UInt16; var signalled: UInt16?; var closed = false }
    fileprivate let popState: Mutex<PopState>
    private let usedState: Mutex<UsedState>

    /// What `pop` found.
    public enum Next {
        case chain(DescriptorChain)
        /// The chain at `head` is malformed; it has been consumed and must be returned with 0 bytes.
        case malformed(head: UInt16, VhostUserError)
        case empty
    }

    /// Maps the three ring parts (frontend virtual addresses) through `memory`, bounds-checked.
    public init(memory: GuestMemory, size: Int, descUser: UInt64, availUser: UInt64, usedUser: UInt64,
                lastAvail: UInt16, eventIdx: Bool, indirect: Bool) throws(VhostUserError) {
        guard RingLayout.isValidSize(size) else {
            throw VhostUserError(.protocolViolation, "queue size \(size) is not a power of two in 1...32768")
        }
        self.size = size
        self.eventIdx = eventIdx
        self.memory = memory
        desc = try memory.translate(user: descUser, length: UInt64(RingLayout.descriptorTableBytes(size)))
        avail = try memory.translate(user: availUser, length: UInt64(RingLayout.availBytes(size)))
        used = try memory.translate(user: usedUser, length: UInt64(RingLayout.usedBytes(size)))
        walker = ChainWalker(table: UnsafeRawPointer(desc), queueSize: size, memory: memory, allowIndirect: indirect)
        popState = Mutex(PopState(lastAvail: lastAvail))
        // The used index continues from where the guest last saw it.
        let usedIdx = UInt16(littleEndian: strait_load_acquire_u16(used + 2))
        usedState = Mutex(UsedState(next: usedIdx, signalled: nil))
    }

    /// The index of the next available entry the device will read (GET_VRING_BASE).
    public var lastAvailIndex: UInt16 { popState.withLock { $0.lastAvail } }

    private var availIdx: UInt16 { UInt16(littleEndian: strait_load_acquire_u16(avail + 2)) }

    /// Takes the next available chain, if any.
    public func pop() throws(VhostUserError) -> Next {
        let result: Result<Next, VhostUserError> = popState.withLock { state in
            let published = availIdx
            let pending = published &- state.lastAvail
            if pending == 0 { return .success(.empty) }
            guard Int(pending) <= size else {
                return .failure(VhostUserError(.badDescriptor, "available index jumped \(pending) entries ahead of a queue of \(size)"))
            }
            let slot = Int(state.lastAvail) % size
            let head = UInt16(littleEndian: avail.loadUnaligned(fromByteOffset: RingLayout.availRingOffset(slot), as: UInt16.self))
            state.lastAvail &+= 1
            do throws(VhostUserError) {
                return .success(.chain(try walker.walk(head: head, readable: &state.readable, writable: &state.writable)))
            } catch {
                return .success(.malformed(head: head, error))
            }
        }
        return try result.get()
    }

    /// Asks the guest to kick for the next entry after the ones we have taken (EVENT_IDX:
    /// avail_event; otherwise: clears VRING_USED_F_NO_NOTIFY), then re-checks after a full fence;
    /// returns true when more arrived meanwhile (the caller serves on instead of sleeping). The
    /// guest publishes its index, fences, then reads our flag or event: one of the two sides
    /// sees the other, so no entry is left without either a kick or this re-check.
    public func armKickAndCheck() -> Bool {
        let last = lastAvailIndex
        if eventIdx {
            used.storeBytes(of: last.littleEndian, toByteOffset: RingLayout.availEventOffset(size), as: UInt16.self)
        } else {
            used.storeBytes(of: UInt16(0), toByteOffset: 0, as: UInt16.self)
        }
        strait_fence_seq_cst()
        return availIdx != last
    }

    /// Asks the guest not to kick while the queue thread is awake anyway (serving or polling).
    /// With EVENT_IDX nothing to write: avail_event stays at the entry the last arm named, which
    /// the guest has passed, so it does not kick again until the next `armKickAndCheck`. Without
    /// it, sets VRING_USED_F_NO_NOTIFY. A hint only: a kick that races with it is harmless.
    public func suppressKicks() {
        guard !eventIdx else { return }
        used.storeBytes(of: RingLayout.usedNoNotify.littleEndian, toByteOffset: 0, as: UInt16.self)
    }

    /// Whether the guest has published entries past `index` (a polling thread's check: one
    /// acquire load, no lock).
    public func hasAvailable(after index: UInt16) -> Bool { availIdx != index }

    /// Returns a chain to the guest; `written` is the number of bytes written into its writable part.
    /// Returns whether the guest wants an interrupt now.
    public func push(head: UInt16, written: UInt32) -> Bool {
        pushReportingSlot(head: head, written: written).notify
    }

    /// `push`, also telling which used-ring slot it filled (the dirty log marks that slot).
    public func pushReportingSlot(head: UInt16, written: UInt32) -> (slot: Int, notify: Bool) {
        usedState.withLock { state in
            let slot = publish(&state, head: head, written: written)
            if slot < 0 { return (slot, false) }
            strait_fence_seq_cst()
            return (slot, needsInterrupt(&state))
        }
    }

    /// Writes the used element and publishes the new used index; returns the slot written, or
    /// -1 once the ring is closed (nothing is written then).
    private func publish(_ state: inout UsedState, head: UInt16, written: UInt32) -> Int {
        if state.closed { return -1 }
        let slot = Int(state.next) % size
        let offset = RingLayout.usedRingOffset(slot)
        used.storeBytes(of: UInt32(head).littleEndian, toByteOffset: offset, as: UInt32.self)
        used.storeBytes(of: written.littleEndian, toByteOffset: offset + 4, as: UInt32.self)
        state.next &+= 1
        strait_store_release_u16(used + 2, state.next.littleEndian)
        return slot
    }

    private func needsInterrupt(_ state: inout UsedState) -> Bool {
        if !eventIdx {
            let flags = UInt16(littleEndian: strait_load_acquire_u16(avail))
            return flags & RingLayout.availNoInterrupt == 0
        }
        let new = state.next
        defer { state.signalled = new }
        guard let old = state.signalled else { return true }
        let event = UInt16(littleEndian: strait_load_acquire_u16(avail + RingLayout.usedEventOffset(size)))
        // virtio's vring_need_event: did the used index pass the guest's used_event since last time?
        return (new &- event &- 1) < (new &- old)
    }
}

extension SplitQueue {
    /// Stops every completion from reaching guest memory: called when the frontend takes the ring
    /// back (GET_VRING_BASE, reset, disconnect), so a request that finishes later (a lock granted
    /// after the stop) is dropped instead of written into a ring the guest may have reused.
    public func close() {
        usedState.withLock { $0.closed = true }
    }

    /// Chains the guest has made available that the device has not taken yet.
    public var pendingCount: Int {
        popState.withLock { state in Int(UInt16(littleEndian: strait_load_acquire_u16(avail + 2)) &- state.lastAvail) }
    }
}
