import Glibc

/// The dirty-page log of a migrating VM (LOG_SHMFD): mapped, kept, released with the connection.
// @unchecked: holds the mapping as a raw pointer (not Sendable to the compiler); it is written
// only through DirtyLog, which serialises access.
final class LogMapping: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let length: Int

    init(fd: OwnedFD, description: LogDescription) throws(VhostUserError) {
        let (total, overflow) = description.size.addingReportingOverflow(description.offset)
        guard description.size > 0, !overflow, total <= UInt64(Int.max) else {
            throw VhostUserError(.protocolViolation, "dirty log of impossible size \(description.size)+\(description.offset)")
        }
        let p = mmap(nil, Int(total), PROT_READ | PROT_WRITE, MAP_SHARED, fd.rawValue, 0)
        guard let p, p != MAP_FAILED else { throw .system("mmap of dirty log") }
        base = p
        length = Int(total)
    }

    deinit { munmap(base, length) }
}

extension Backend {
    func setMemTable(_ table: MemoryTableDescription, fds: [OwnedFD]) throws(VhostUserError) {
        guard fds.count == table.regions.count else {
            throw VhostUserError(.protocolViolation, "SET_MEM_TABLE with \(table.regions.count) regions and \(fds.count) fds")
        }
        var mapped: [MappedRegion] = []
        for (region, fd) in zip(table.regions, fds) {
            mapped.append(try MappedRegion(description: region, fd: fd))
        }
        try checkNoOverlap(mapped)
        memory = GuestMemory(regions: mapped)
        logger.debug("memory table", metadata: ["regions": "\(mapped.count)"])
        try restartRunning()
    }

    func addRegion(_ region: MemoryRegionDescription, fds: [OwnedFD]) throws(VhostUserError) {
        guard let fd = fds.first, fds.count == 1 else {
            throw VhostUserError(.protocolViolation, "ADD_MEM_REG needs exactly one fd, got \(fds.count)")
        }
        guard memory.regions.count < Int(Self.maxMemSlots) else {
            throw VhostUserError(.protocolViolation, "more than \(Self.maxMemSlots) memory regions")
        }
        let mapped = memory.regions + [try MappedRegion(description: region, fd: fd)]
        try checkNoOverlap(mapped)
        memory = GuestMemory(regions: mapped)
        try restartRunning(touching: region)
    }

    func removeRegion(_ region: MemoryRegionDescription) throws(VhostUserError) {
        let kept = memory.regions.filter {
            !($0.description.guestPhysAddr == region.guestPhysAddr && $0.description.memorySize == region.memorySize
              && $0.description.userspaceAddr == region.userspaceAddr)
        }
        guard kept.count < memory.regions.count else {
            throw VhostUserError(.protocolViolation, "REM_MEM_REG of a region we do not have")
        }
        memory = GuestMemory(regions: kept)
        try restartRunning(touching: region)
    }

    func setLogBase(_ log: LogDescription, fds: [OwnedFD]) throws(VhostUserError) {
        guard let fd = fds.first else {
            throw VhostUserError(.protocolViolation, "SET_LOG_BASE without an fd")
        }
        dirtyLog.setMapping(try LogMapping(fd: fd, description: log))
    }

    /// Overlapping regions would make translation ambiguous: refuse them.
    private func checkNoOverlap(_ regions: [MappedRegion]) throws(VhostUserError) {
        let sorted = regions.map(\.description).sorted { $0.guestPhysAddr < $1.guestPhysAddr }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.guestPhysAddr + a.memorySize > b.guestPhysAddr {
            throw VhostUserError(.protocolViolation, "memory regions overlap at guest address 0x\(String(b.guestPhysAddr, radix: 16))")
        }
    }
}
