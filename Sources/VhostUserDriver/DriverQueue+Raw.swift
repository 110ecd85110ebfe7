import CShims
import VhostUser

/// A descriptor written verbatim: any index, address, length, flags and next. For robustness
/// testing: loops, out-of-region addresses, wrong directions and indirect tables pointing anywhere.
public struct RawDescriptor: Sendable, Equatable {
    public var index: UInt16
    public var addr: UInt64
    public var len: UInt32
    public var flags: UInt16
    public var next: UInt16

    public init(index: UInt16, addr: UInt64, len: UInt32, flags: UInt16 = 0, next: UInt16 = 0) {
        self.index = index
        self.addr = addr
        self.len = len
        self.flags = flags
        self.next = next
    }
}

extension DriverQueue {
    /// Free descriptor indices right now (a fuzzer picks its slots among them).
    public var freeDescriptors: [UInt16] { state.withLock { $0.free } }

    /// Writes `descriptors` into the table as given and publishes `head`. Every index used must
    /// be free; they stay owned by the device until the used ring returns `head` (a daemon that
    /// breaks the queue keeps them, which is fine for a queue that is thrown away afterwards).
    /// Returns false if an index is not free.
    public func submitRaw(_ descriptors: [RawDescriptor], head: UInt16, token: UInt64) throws(DriverError) -> Bool {
        let ok: Bool = state.withLock { st in
            let wanted = Set(descriptors.map(\.index) + [head])
            guard wanted.allSatisfy({ Int($0) < size }), Set(st.free).isSuperset(of: wanted) else { return false }
            st.free.removeAll { wanted.contains($0) }
            for d in descriptors {
                writeDescriptor(desc, Int(d.index), Segment(gpa: d.addr, length: d.len), flags: d.flags, next: d.next)
            }
            st.slots[Int(head)] = Slot(token: token, descriptors: Array(wanted), indirectTable: nil)
            let old = st.availIdx
            avail.storeBytes(of: head.littleEndian, toByteOffset: RingLayout.availRingOffset(Int(old) % size), as: UInt16.self)
            strait_store_release_u16(avail + 2, old &+ 1)
            st.availIdx = old &+ 1
            strait_fence_seq_cst()
            return true
        }
        if ok { try kick() }
        return ok
    }
}
