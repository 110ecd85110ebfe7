/// One request's buffers, walked from the descriptor table and translated into host memory:
/// the device-readable part first, then the device-writable part, as virtio requires.
/// @unchecked: the buffers point into guest memory kept mapped by the chain's `MappedRegion`s;
/// raw buffer pointers are not Sendable to the compiler, and one worker owns a chain at a time.
public struct DescriptorChain: @unchecked Sendable {
    /// The head index, returned with the used element.
    public let head: UInt16
    public let readable: [UnsafeRawBufferPointer]
    public let writable: [UnsafeMutableRawBufferPointer]
    /// Keeps the mappings behind the buffers alive until the request is done.
    public let memory: GuestMemory

    public var readableLength: Int { readable.reduce(0) { $0 + $1.count } }
    public var writableLength: Int { writable.reduce(0) { $0 + $1.count } }
}

/// One raw descriptor, decoded field by field from guest memory (little-endian).
struct RawDescriptor {
    var address: UInt64
    var length: UInt32
    var flags: UInt16
    var next: UInt16

    init(table: UnsafeRawPointer, index: Int) {
        let base = index * RingLayout.descriptorSize
        address = UInt64(littleEndian: table.loadUnaligned(fromByteOffset: base, as: UInt64.self))
        length = UInt32(littleEndian: table.loadUnaligned(fromByteOffset: base + 8, as: UInt32.self))
        flags = UInt16(littleEndian: table.loadUnaligned(fromByteOffset: base + 12, as: UInt16.self))
        next = UInt16(littleEndian: table.loadUnaligned(fromByteOffset: base + 14, as: UInt16.self))
    }

    var hasNext: Bool { flags & RingLayout.DescriptorFlag.next != 0 }
    var isWritable: Bool { flags & RingLayout.DescriptorFlag.write != 0 }
    var isIndirect: Bool { flags & RingLayout.DescriptorFlag.indirect != 0 }
}

/// Walks a chain from `head`, refusing every malformation a guest can produce: indices out of
/// range, loops (more descriptors than the queue holds), nested or chained indirect tables,
/// readable after writable, addresses outside guest memory, totals beyond 4 GiB.
struct ChainWalker {
    let table: UnsafeRawPointer
    let queueSize: Int
    let memory: GuestMemory
    let allowIndirect: Bool

    func walk(head: UInt16) throws(VhostUserError) -> DescriptorChain {
        // The Linux driver uses 2-4 descriptors per side: one allocation each, no regrowth.
        var readable: [UnsafeRawBufferPointer] = []
        var writable: [UnsafeMutableRawBufferPointer] = []
        readable.reserveCapacity(4)
        writable.reserveCapacity(4)
        return try walk(head: head, readable: &readable, writable: &writable)
    }

    /// `walk`, filling the caller's arrays (emptied first, capacity kept): a caller that keeps
    /// them between chains allocates nothing once the previous chain is released (the chain
    /// shares their storage; while it is alive, emptying them copies on write instead).
    func walk(head: UInt16, readable: inout [UnsafeRawBufferPointer],
              writable: inout [UnsafeMutableRawBufferPointer]) throws(VhostUserError) -> DescriptorChain {
        guard Int(head) < queueSize else {
            throw VhostUserError(.badDescriptor, "head index \(head) >= queue size \(queueSize)")
        }
        readable.removeAll(keepingCapacity: true)
        writable.removeAll(keepingCapacity: true)
        var total: UInt64 = 0
        var seen = 0
        var current = RawDescriptor(table: table, index: Int(head))
        var tableSize = queueSize
        var currentTable = table
        var inIndirect = false

        while true {
            seen += 1
            guard seen <= queueSize else {
                throw VhostUserError(.badDescriptor, "chain from head \(head) is longer than the queue (loop?)")
            }
            if current.isIndirect {
                guard allowIndirect else {
                    throw VhostUserError(.badDescriptor, "indirect descriptor without INDIRECT_DESC negotiated")
                }
                guard !inIndirect, !current.hasNext else {
                    throw VhostUserError(.badDescriptor, "indirect descriptor nested or chained")
                }
                let entries = Int(current.length) / RingLayout.descriptorSize
                guard current.length > 0, Int(current.length) % RingLayout.descriptorSize == 0, entries <= queueSize else {
                    throw VhostUserError(.badDescriptor, "indirect table of \(current.length) bytes")
                }
                guard let table = memory.contiguous(guest: current.address, length: UInt64(current.length)),
                      let base = table.baseAddress
                else {
                    // Tell an address outside guest memory from a table that crosses regions.
                    _ = try memory.translate(guest: current.address, length: UInt64(current.length))
                    throw VhostUserError(.badDescriptor, "indirect table crosses a memory region")
                }
                currentTable = UnsafeRawPointer(base)
                tableSize = entries
                inIndirect = true
                seen -= 1
                current = RawDescriptor(table: currentTable, index: 0)
                continue
            }
            total += UInt64(current.length)
            guard total <= UInt64(UInt32.max) else {
                throw VhostUserError(.badDescriptor, "chain from head \(head) exceeds 4 GiB")
            }
            if !current.isWritable && !writable.isEmpty {
                throw VhostUserError(.badDescriptor, "readable descriptor after a writable one in chain \(head)")
            }
            if current.length == 0 {
                // Zero-length descriptors carry no buffer (translate yields none for them).
            } else if let one = memory.contiguous(guest: current.address, length: UInt64(current.length)) {
                if current.isWritable { writable.append(one) } else { readable.append(UnsafeRawBufferPointer(one)) }
            } else {
                // Spans regions or lies outside guest memory: the general path splits or throws.
                let buffers = try memory.translate(guest: current.address, length: UInt64(current.length))
                if current.isWritable {
                    writable.append(contentsOf: buffers)
                } else {
                    readable.append(contentsOf: buffers.map(UnsafeRawBufferPointer.init))
                }
            }
            guard current.hasNext else { break }
            guard Int(current.next) < tableSize else {
                throw VhostUserError(.badDescriptor, "next index \(current.next) >= table size \(tableSize)")
            }
            current = RawDescriptor(table: currentTable, index: Int(current.next))
        }
        return DescriptorChain(head: head, readable: readable, writable: writable, memory: memory)
    }
}
