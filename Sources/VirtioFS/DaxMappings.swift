import Glibc
import Logging
import Passthrough
import Posix
import Synchronization

/// What straitd has mapped into the guest's DAX window, chunk by chunk, and the rules that keep
/// every mapped byte equal to the file's (docs/dax.md):
///
/// - QEMU refuses a map whose page-rounded end passes the file's end, and would extend an empty
///   file; the guest asks for whole 2 MiB chunks. So a chunk maps only up to the page-rounded
///   end of file (nothing for an empty file or a chunk past it), as one or more segments.
/// - A file whose size is not a page multiple is grown to the page boundary for the instant of
///   the map (then put back, times restored), so the guest sees its last partial page through
///   the window rather than a hole.
/// - Whenever straitd tells the guest a size (an attr or entry reply, a WRITE, FALLOCATE or
///   COPY_FILE_RANGE that grew the file), the file's chunks are brought to it before the guest
///   can touch the grown part: a chunk that grows is mapped to its end at once (the file grown
///   to the chunk's end for the instant of the map), so a chunk is at most two segments however
///   the file grows; segments wholly past a shrunk end are unmapped.
/// - Every live map is a memory region of every vhost-user backend of the VM (QEMU 11.1 puts
///   each SHMEM_MAP section in all their tables, straitd's own 509 slots included): past
///   `mapBudget` a SETUPMAPPING fails with ENOSPC (the guest's access fails, the VM lives).
/// - Mappings belong to the window, not to handles: the guest keeps using a range after the
///   file's last RELEASE (until REMOVEMAPPING, sent when it evicts the inode), so RELEASE keeps
///   them; reset and disconnect drop them all (the frontend has dropped its maps).
///
/// One recursive lock orders every map and every size change straitd makes on a mapped file
/// (the size-changing requests hold it while they run), so a temporary page-rounding never
/// races straitd's own writes.
public final class DaxMappings: Sendable {
    public struct Statistics: Sendable, Equatable {
        /// SHMEM_MAP messages the frontend accepted (one per segment).
        public var maps: UInt64 = 0
        public var unmaps: UInt64 = 0
        /// Maps that needed the file grown for the instant of the map (to its page boundary, or a
        /// growing file to its chunk's end).
        public var pageRoundings: UInt64 = 0
        public var failures: UInt64 = 0
        /// SETUPMAPPINGs refused because the live maps would pass `mapBudget`.
        public var refusals: UInt64 = 0
        /// Chunks set up with nothing to map (empty file, chunk past the end).
        public var emptyChunks: UInt64 = 0
    }

    struct FileKey: Hashable { let dev: UInt64, ino: UInt64 }

    struct Segment { let offset: UInt64, length: UInt64 }

    struct Chunk {
        let key: FileKey
        let fileOffset: UInt64
        let windowOffset: UInt64
        let length: UInt64
        let writable: Bool
        var segments: [Segment] = []
        /// Without an array: SETUPMAPPING sums every live chunk's cost under the lock.
        var covered: UInt64 { segments.reduce(0) { max($0, $1.offset + $1.length) } }
        /// The maps this chunk holds or may still add (one growth segment while not whole).
        var cost: Int { segments.count + (covered < length ? 1 : 0) }
    }

    /// The read-write descriptor the maps are made from, one per file, and its chunks.
    final class MappedFile {
        let fd: Int32
        var chunks: Set<UInt64> = []
        init(fd: Int32) { self.fd = fd }
        deinit { close(fd) }
    }

    struct State {
        var chunks: [UInt64: Chunk] = [:]
        var files: [FileKey: MappedFile] = [:]
        var stats = Statistics()
    }

    /// Live maps straitd keeps at most. straitd offers 509 memory slots (GET_MAX_MEM_SLOTS) and
    /// QEMU puts every live map in that table beside the guest's RAM regions (a few); the runner
    /// keeps a VM's windows within the same 480 (VMPlan.windowRangesPerVM).
    public static let defaultMapBudget = 480

    let window: DaxWindow
    let page: UInt64
    let mapBudget: Int
    let lock = RecursiveMutex()
    /// Guarded by `lock`. `nonisolated(unsafe)` because the recursive lock is not a `Mutex`.
    nonisolated(unsafe) var state = State()
    /// Chunks in the table, readable without the lock: attr replies skip all work at zero.
    let chunkCount = Atomic<Int>(0)

    let logger: Logger?

    public init(window: DaxWindow, pageSize: UInt64, mapBudget: Int = defaultMapBudget, logger: Logger? = nil) {
        self.window = window
        page = max(pageSize, 4096)
        self.mapBudget = max(mapBudget, 2)
        self.logger = logger
        if let size = window.size, size / (2 << 20) > UInt64(self.mapBudget) {
            logger?.warning("DAX window of \(size >> 20) MiB holds \(size / (2 << 20)) 2 MiB ranges, more than the \(self.mapBudget) live maps every backend of the VM can take: a SETUPMAPPING past them fails with ENOSPC")
        }
    }

    public var windowSize: UInt64? { window.size }

    public var statistics: Statistics { lock.withLock { state.stats } }

    /// Runs a request that may change a file's size with the mapping lock held.
    func serializing<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try lock.withLock(body)
    }

    /// SETUPMAPPING: show [fileOffset, +length) of the file at `windowOffset`. `fd` is a new
    /// read-write descriptor on it, which this takes over (kept while the file has chunks, else
    /// closed). A chunk already at an overlapping window range (a read-only range upgraded to
    /// writable, a reused range) is unmapped first.
    func setup(fd: Int32, fileOffset: UInt64, windowOffset: UInt64, length: UInt64, writable: Bool) throws(FSError) {
        let fresh = MappedFile(fd: fd)
        try lock.withLock { () throws(FSError) in
            try removeLocked(windowOffset: windowOffset, length: length)
            // A new chunk may take two maps (what the file has now, then the rest on growth).
            let live = state.chunks.values.reduce(0) { $0 + $1.cost }
            guard live + 2 <= mapBudget else {
                state.stats.refusals += 1
                if state.stats.refusals & (state.stats.refusals - 1) == 0 {
                    logger?.warning("DAX map budget reached: \(live) live maps of \(mapBudget); refusals=\(state.stats.refusals)")
                }
                throw FSError(errno: ENOSPC, message: "DAX window: \(live) live maps, the budget is \(mapBudget)")
            }
            let st = try Self.stat(fd)
            let key = FileKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
            let file = state.files[key] ?? fresh
            state.files[key] = file
            var chunk = Chunk(key: key, fileOffset: fileOffset, windowOffset: windowOffset, length: length, writable: writable)
            defer {
                file.chunks.insert(windowOffset)
                state.chunks[windowOffset] = chunk
                chunkCount.store(state.chunks.count, ordering: .releasing)
            }
            try extend(&chunk, file: file, size: UInt64(max(st.st_size, 0)), growing: false)
            if chunk.segments.isEmpty { state.stats.emptyChunks += 1 }
        }
    }

    /// REMOVEMAPPING: unmap every chunk that starts inside [windowOffset, +length).
    func remove(windowOffset: UInt64, length: UInt64) throws(FSError) {
        try lock.withLock { () throws(FSError) in try removeLocked(windowOffset: windowOffset, length: length) }
    }

    /// The guest is about to learn that the file of `st` has st_size bytes: make the window match.
    func sync(_ st: stat) {
        guard chunkCount.load(ordering: .acquiring) > 0 else { return }
        let key = FileKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
        lock.withLock {
            guard let file = state.files[key] else { return }
            let size = UInt64(max(st.st_size, 0))
            for offset in file.chunks.sorted() {
                guard var chunk = state.chunks[offset] else { continue }
                shrink(&chunk, size: size)
                // A failed map is logged in the statistics; the guest's next access through an
                // unmapped part reads the hole, so the reply that follows must still go out.
                try? extend(&chunk, file: file, size: size, growing: true)
                state.chunks[offset] = chunk
            }
        }
    }

    /// After a request that may have grown the file behind `fd` (WRITE, FALLOCATE, ...).
    func sync(fd: Int32) {
        guard chunkCount.load(ordering: .acquiring) > 0, let st = try? Self.stat(fd) else { return }
        sync(st)
    }

    /// The frontend dropped every map (reset, disconnect): forget them without messages.
    public func reset() {
        lock.withLock {
            state.chunks.removeAll()
            state.files.removeAll()
            chunkCount.store(0, ordering: .releasing)
        }
    }

    // MARK: - Under the lock

    private func removeLocked(windowOffset: UInt64, length: UInt64) throws(FSError) {
        let end = windowOffset.addingReportingOverflow(length)
        let last = end.overflow ? UInt64.max : end.partialValue
        let hit = state.chunks.values.filter {
            $0.windowOffset < last && windowOffset < $0.windowOffset + $0.length
        }
        var firstError: FSError?
        for chunk in hit.sorted(by: { $0.windowOffset < $1.windowOffset }) {
            var c = chunk
            for segment in c.segments {
                do { try unmap(c, segment) } catch { firstError = firstError ?? error }
            }
            c.segments = []
            state.chunks[c.windowOffset] = nil
            if let file = state.files[c.key] {
                file.chunks.remove(c.windowOffset)
                if file.chunks.isEmpty { state.files[c.key] = nil }
            }
        }
        chunkCount.store(state.chunks.count, ordering: .releasing)
        if let firstError { throw firstError }
    }

    /// Maps the part of the chunk between what it covers and the page-rounded end of file; for
    /// a file `growing` past what the chunk covers, the whole rest of the chunk: an appending
    /// guest would otherwise add a map (a memory slot of every backend) per page it writes.
    private func extend(_ chunk: inout Chunk, file: MappedFile, size: UInt64, growing: Bool) throws(FSError) {
        let rounded = roundUp(size)
        guard rounded > chunk.fileOffset else { return }
        let reach = min(chunk.length, rounded - chunk.fileOffset)
        let from = chunk.covered
        guard reach > from else { return }
        let target = growing ? chunk.length : reach
        let segment = Segment(offset: from, length: target - from)
        let end = chunk.fileOffset + target
        do {
            if end > size {
                try withSize(fd: file.fd, size: size, grownTo: end) { () throws(FSError) in try map(chunk, segment, fd: file.fd) }
                state.stats.pageRoundings += 1
            } else {
                try map(chunk, segment, fd: file.fd)
            }
        } catch {
            state.stats.failures += 1
            throw error
        }
        chunk.segments.append(segment)
    }

    /// Unmaps segments that lie wholly past the page-rounded end of file. The straddling one
    /// stays: an UNMAP must match a MAP exactly, and the guest never touches its pages past EOF.
    private func shrink(_ chunk: inout Chunk, size: UInt64) {
        let rounded = roundUp(size)
        let limit = rounded > chunk.fileOffset ? rounded - chunk.fileOffset : 0
        var kept: [Segment] = []
        for segment in chunk.segments {
            if segment.offset >= limit, (try? unmap(chunk, segment)) != nil { continue }
            kept.append(segment)
        }
        chunk.segments = kept
    }

    private func map(_ chunk: Chunk, _ s: Segment, fd: Int32) throws(FSError) {
        try window.map(fd: fd, fileOffset: chunk.fileOffset + s.offset, windowOffset: chunk.windowOffset + s.offset,
                       length: s.length, writable: chunk.writable)
        state.stats.maps += 1
        // Counts at powers of two: the harness reads the log to see that maps happen at all.
        let n = state.stats.maps
        if n & (n - 1) == 0 { logger?.info("DAX maps=\(n) unmaps=\(state.stats.unmaps) page_roundings=\(state.stats.pageRoundings)") }
    }

    private func unmap(_ chunk: Chunk, _ s: Segment) throws(FSError) {
        do { try window.unmap(windowOffset: chunk.windowOffset + s.offset, length: s.length) } catch {
            state.stats.failures += 1
            throw error
        }
        state.stats.unmaps += 1
    }

    /// Grows the file to `grown` (its page boundary, or its chunk's end) while `body` runs, then
    /// puts its size and times back (only if nobody else changed the size meanwhile: straitd's own
    /// size changes wait on the lock; a host process writing the same file at that instant is
    /// outside what we order). The growth is sparse: no block is allocated.
    private func withSize(fd: Int32, size: UInt64, grownTo grown: UInt64, _ body: () throws(FSError) -> Void) throws(FSError) {
        let before = try Self.stat(fd)
        guard grown <= UInt64(Int64.max), ftruncate(fd, off_t(grown)) == 0 else {
            throw FSError(errno: grown <= UInt64(Int64.max) ? errno : EFBIG, message: "growing a DAX-mapped file to \(grown) for the map")
        }
        defer {
            if let now = try? Self.stat(fd), UInt64(now.st_size) == grown, ftruncate(fd, off_t(size)) == 0 {
                var times = [before.st_atim, before.st_mtim]
                _ = futimens(fd, &times)
            }
        }
        try body()
    }

    private func roundUp(_ n: UInt64) -> UInt64 {
        let r = n.addingReportingOverflow(page - 1)
        return r.overflow ? UInt64.max & ~(page - 1) : r.partialValue & ~(page - 1)
    }

    static func stat(_ fd: Int32) throws(FSError) -> stat {
        var st = Glibc.stat()
        guard fstat(fd, &st) == 0 else { throw FSError(errno: errno, message: "fstat for DAX") }
        return st
    }
}
