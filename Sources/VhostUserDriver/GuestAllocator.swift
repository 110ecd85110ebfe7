import Synchronization

/// A span of guest memory handed out by `GuestAllocator`; never crosses a region boundary.
public struct GuestBuffer: Sendable, Equatable {
    public let gpa: UInt64
    public let length: Int
    let region: Int
}

/// First-fit allocator over the guest regions for rings, request and reply buffers. Requests
/// rotate over the regions so both are used (and a daemon that mistranslates one is caught).
public final class GuestAllocator: Sendable {
    private struct Block { var start: UInt64; var length: UInt64 }
    private struct State {
        var free: [[Block]]
        var next = 0
        var inUse: UInt64 = 0
    }

    private let state: Mutex<State>
    private let regionCount: Int

    public init(memory: GuestMemoryImage) {
        regionCount = memory.regions.count
        state = Mutex(State(free: memory.regions.map { [Block(start: $0.guestPhysAddr, length: $0.size)] }))
    }

    /// Bytes currently handed out.
    public var bytesInUse: UInt64 { state.withLock { $0.inUse } }

    public func allocate(_ length: Int, alignment: Int = 64) throws(DriverError) -> GuestBuffer {
        guard length > 0, alignment > 0, alignment & (alignment - 1) == 0 else {
            throw DriverError(.memory, "bad allocation of \(length) bytes aligned to \(alignment)")
        }
        let size = UInt64((length + 63) & ~63)
        let align = UInt64(alignment)
        let found: GuestBuffer? = state.withLock { s in
            for k in 0..<regionCount {
                let r = (s.next + k) % regionCount
                for (i, b) in s.free[r].enumerated() {
                    let start = (b.start + align - 1) & ~(align - 1)
                    let pad = start - b.start
                    guard b.length >= pad + size else { continue }
                    var replacement: [Block] = []
                    if pad > 0 { replacement.append(Block(start: b.start, length: pad)) }
                    let rest = b.length - pad - size
                    if rest > 0 { replacement.append(Block(start: start + size, length: rest)) }
                    s.free[r].replaceSubrange(i...i, with: replacement)
                    s.next = (r + 1) % regionCount
                    s.inUse += size
                    return GuestBuffer(gpa: start, length: Int(size), region: r)
                }
            }
            return nil
        }
        guard let found else {
            throw DriverError(.memory, "guest memory exhausted allocating \(length) bytes")
        }
        return found
    }

    public func free(_ buffer: GuestBuffer) {
        state.withLock { s in
            var list = s.free[buffer.region]
            let block = Block(start: buffer.gpa, length: UInt64(buffer.length))
            var lo = 0, hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if list[mid].start < block.start { lo = mid + 1 } else { hi = mid }
            }
            list.insert(block, at: lo)
            if lo + 1 < list.count, list[lo].start + list[lo].length == list[lo + 1].start {
                list[lo].length += list[lo + 1].length
                list.remove(at: lo + 1)
            }
            if lo > 0, list[lo - 1].start + list[lo - 1].length == list[lo].start {
                list[lo - 1].length += list[lo].length
                list.remove(at: lo)
            }
            s.free[buffer.region] = list
            s.inUse -= UInt64(buffer.length)
        }
    }
}
