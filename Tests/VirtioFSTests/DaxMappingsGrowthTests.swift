import Glibc
import Passthrough
import Testing

@testable import VirtioFS

/// Each live map is a memory region of every vhost-user backend of the VM (QEMU 11.1), so the
/// number of maps straitd holds must stay bounded whatever a guest does: an appending guest once
/// added one map per page it wrote to a mapped chunk (a log file read and appended would have
/// passed straitd's 509 memory slots after 2 MiB and broken the VM).
@Suite struct DaxMappingsGrowthTests {
    static let chunk: UInt64 = 2 << 20

    /// A temporary file of `size` bytes of 7s, and a read-write descriptor on it.
    func file(_ size: Int) throws -> (path: String, fd: Int32) {
        var template = Array("/tmp/strait-dax-growth-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(fd >= 0)
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let bytes = [UInt8](repeating: 7, count: size)
        #expect(bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, size, 0) } == size)
        return (path, fd)
    }

    func size(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : -1
    }

    @Test("appending page by page to a mapped chunk maps the rest of the chunk once, not a map per page")
    func appendingMapsTheChunkOnce() throws {
        let window = DispatcherDaxTests.RecordingWindow()
        let dax = DaxMappings(window: window, pageSize: 4096)
        let (path, writer) = try file(4096)
        defer { close(writer); unlink(path) }
        try dax.setup(fd: open(path, O_RDWR), fileOffset: 0, windowOffset: 0, length: Self.chunk, writable: true)
        let page = [UInt8](repeating: 9, count: 4096)
        for i in 1...100 {
            #expect(page.withUnsafeBytes { pwrite(writer, $0.baseAddress, 4096, off_t(i * 4096)) } == 4096)
            dax.sync(fd: writer)
            #expect(size(path) == (i + 1) * 4096, "the file is put back to its size after the map")
        }
        #expect(window.calls.withLock { $0 } == [
            "map fd>=0:true 0 0 4096 true", "map fd>=0:true 4096 4096 \(Self.chunk - 4096) true",
        ])
        #expect(dax.statistics.maps == 2)
    }

    @Test("an empty chunk that grows takes one map; a shrink and regrowth keep it within two")
    func emptyChunkGrowsOnce() throws {
        let window = DispatcherDaxTests.RecordingWindow()
        let dax = DaxMappings(window: window, pageSize: 4096)
        let (path, writer) = try file(0)
        defer { close(writer); unlink(path) }
        try dax.setup(fd: open(path, O_RDWR), fileOffset: 0, windowOffset: 4 << 20, length: Self.chunk, writable: true)
        #expect(ftruncate(writer, 5000) == 0)
        dax.sync(fd: writer)
        #expect(size(path) == 5000)
        #expect(ftruncate(writer, 100) == 0)
        dax.sync(fd: writer)
        #expect(ftruncate(writer, 300_000) == 0)
        dax.sync(fd: writer)
        #expect(window.calls.withLock { $0 } == ["map fd>=0:true 0 \(4 << 20) \(Self.chunk) true"],
                "the straddling map stays through the shrink and already covers the regrowth")
    }

    @Test("past the map budget a SETUPMAPPING fails with ENOSPC; a freed range makes room again")
    func budgetRefusesPastIt() throws {
        let window = DispatcherDaxTests.RecordingWindow()
        let dax = DaxMappings(window: window, pageSize: 4096, mapBudget: 6)
        let (path, writer) = try file(Int(Self.chunk) * 8)
        defer { close(writer); unlink(path) }
        let setup = { (i: UInt64) throws(FSError) in
            try dax.setup(fd: open(path, O_RDWR), fileOffset: i * Self.chunk, windowOffset: i * Self.chunk,
                          length: Self.chunk, writable: false)
        }
        // Whole chunks take one map each, and a new chunk needs room for two.
        for i: UInt64 in 0..<5 { try setup(i) }
        #expect(throws: FSError.self) { try setup(5) }
        do { try setup(5) } catch { #expect(error.errno == ENOSPC) }
        #expect(dax.statistics.refusals == 2)
        try dax.remove(windowOffset: 0, length: Self.chunk)
        try setup(5)
        #expect(dax.statistics.maps == 6)
        // The range being replaced is freed before the budget is checked.
        try setup(5)
        #expect(dax.statistics.maps == 7)
    }
}
