import Glibc

/// One mmapped region of guest memory. Unmapped when the last reference goes away, so a request
/// still in flight keeps its buffers valid across a memory-table change.
/// @unchecked: an immutable mapping behind a raw pointer (not Sendable to the compiler); the
/// bytes it maps are the guest's, shared by design.
public final class MappedRegion: @unchecked Sendable {
    public let description: MemoryRegionDescription
    /// Start of the mapping (file offset 0); guest address `guestPhysAddr` is at `base + mmapOffset`.
    private let mapping: UnsafeMutableRawPointer
    private let mappingLength: Int
    public let fd: OwnedFD

    /// Maps `description` from `fd` (MAP_SHARED: the guest sees our writes).
    public init(description d: MemoryRegionDescription, fd: OwnedFD) throws(VhostUserError) {
        let (length, overflow) = d.memorySize.addingReportingOverflow(d.mmapOffset)
        guard d.memorySize > 0, !overflow, length <= UInt64(Int.max),
              d.guestPhysAddr.addingReportingOverflow(d.memorySize).overflow == false,
              d.userspaceAddr.addingReportingOverflow(d.memorySize).overflow == false
        else {
            throw VhostUserError(.protocolViolation, "memory region with impossible size or address: \(d)")
        }
        let p = mmap(nil, Int(length), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd.rawValue, 0)
        guard let p, p != MAP_FAILED else { throw .system("mmap of guest memory region (\(length) bytes)") }
        description = d
        mapping = p
        mappingLength = Int(length)
        self.fd = fd
    }

    deinit { munmap(mapping, mappingLength) }

    var start: UnsafeMutableRawPointer { mapping + Int(description.mmapOffset) }

    func containsGuest(_ address: UInt64) -> Bool {
        address >= description.guestPhysAddr && address - description.guestPhysAddr < description.memorySize
    }

    func containsUser(_ address: UInt64) -> Bool {
        address >= description.userspaceAddr && address - description.userspaceAddr < description.memorySize
    }
}

/// The guest's memory as the frontend described it: every guest address the daemon touches is
/// translated here, bounds-checked against the regions. A guest can send any address.
public struct GuestMemory: Sendable {
    public let regions: [MappedRegion]
    /// The regions' guest ranges and host starts as plain values, in `regions`' order: the
    /// per-descriptor lookup reads these without retaining and releasing a region each time.
    private let spans: [Span]

    private struct Span {
        let guest: UInt64
        let size: UInt64
        /// A raw address (Sendable as an integer); the region in `regions` keeps it mapped.
        let host: UInt
    }

    public init(regions: [MappedRegion] = []) {
        self.regions = regions.sorted { $0.description.guestPhysAddr < $1.description.guestPhysAddr }
        spans = self.regions.map {
            Span(guest: $0.description.guestPhysAddr, size: $0.description.memorySize, host: UInt(bitPattern: $0.start))
        }
    }

    /// The host buffers behind guest range [address, address+length): one per region it spans.
    /// Throws if any byte lies outside every region. A zero length yields no buffers.
    public func translate(guest address: UInt64, length: UInt64) throws(VhostUserError) -> [UnsafeMutableRawBufferPointer] {
        guard length > 0 else { return [] }
        guard address.addingReportingOverflow(length).overflow == false else {
            throw VhostUserError(.badAddress, "guest range 0x\(String(address, radix: 16))+\(length) overflows")
        }
        var buffers: [UnsafeMutableRawBufferPointer] = []
        var cursor = address
        var left = length
        while left > 0 {
            guard let region = regions.first(where: { $0.containsGuest(cursor) }) else {
                throw VhostUserError(.badAddress, "guest address 0x\(String(cursor, radix: 16)) is outside guest memory")
            }
            let offset = cursor - region.description.guestPhysAddr
            let chunk = min(left, region.description.memorySize - offset)
            buffers.append(UnsafeMutableRawBufferPointer(start: region.start + Int(offset), count: Int(chunk)))
            cursor += chunk
            left -= chunk
        }
        return buffers
    }

    /// The host buffer behind guest range [address, address+length) when it lies in one region
    /// (the common case, no array); nil when it spans regions or lies outside them, in which case
    /// `translate(guest:length:)` splits it or throws. `length` must be > 0.
    @inline(__always)
    func contiguous(guest address: UInt64, length: UInt64) -> UnsafeMutableRawBufferPointer? {
        spans.withUnsafeBufferPointer { spans in
            for d in spans {
                guard address >= d.guest else { continue }
                let offset = address - d.guest
                guard offset < d.size else { continue }
                guard length <= d.size - offset else { return nil }
                return UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: d.host + UInt(offset)),
                                                     count: Int(length))
            }
            return nil
        }
    }

    /// A pointer to frontend virtual address range [address, address+length), which must lie in one
    /// region: vring addresses arrive in the frontend's address space, not the guest's.
    public func translate(user address: UInt64, length: UInt64) throws(VhostUserError) -> UnsafeMutableRawPointer {
        guard let region = regions.first(where: { $0.containsUser(address) }) else {
            throw VhostUserError(.badAddress, "frontend address 0x\(String(address, radix: 16)) is outside guest memory")
        }
        let offset = address - region.description.userspaceAddr
        guard length <= region.description.memorySize - offset else {
            throw VhostUserError(.badAddress, "frontend range 0x\(String(address, radix: 16))+\(length) crosses a region end")
        }
        return region.start + Int(offset)
    }

    /// Guest address of a host pointer into one of the regions (for the dirty log).
    public func guestAddress(ofHost pointer: UnsafeRawPointer) -> UInt64? {
        for region in regions {
            let start = UnsafeRawPointer(region.start)
            if pointer >= start && pointer < start + Int(region.description.memorySize) {
                return region.description.guestPhysAddr + UInt64(pointer - start)
            }
        }
        return nil
    }

    /// Guest address of a frontend virtual address (for the dirty log and diagnostics).
    public func guestAddress(ofUser address: UInt64) -> UInt64? {
        guard let region = regions.first(where: { $0.containsUser(address) }) else { return nil }
        return region.description.guestPhysAddr + (address - region.description.userspaceAddr)
    }
}
