import CShims
import Glibc

extension PassthroughFS {
    public func opendir(node: UInt64) throws(FSError) -> OpenResult {
        let inode = try inode(node)
        guard inode.isDirectory else { throw FSError(errno: ENOTDIR, message: "opendir") }
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC
        let fd = try reopen(inode, flags: flags)
        let id = handles.insert(Handle(fd: fd, inode: inode, flags: flags))
        return OpenResult(handle: id, keepCache: policy.cacheDir, directIO: false,
                          cacheDir: policy.cacheDir)
    }

    public func releasedir(handle id: UInt64) throws(FSError) {
        guard handles.remove(id) != nil else { throw .badHandle(id) }
    }

    public func fsyncdir(handle id: UInt64, dataOnly: Bool) throws(FSError) {
        try fsync(handle: id, dataOnly: dataOnly)
    }

    /// Lists entries from the cookie `offset` (0 = start). `emit` packs one entry and returns
    /// false when the reply is full; that entry is not consumed. With `plus`, each entry but "."
    /// and ".." is looked up (+1 lookup only when emitted; nil Entry if it vanished meanwhile).
    public func readdir(handle id: UInt64, offset: UInt64, plus: Bool,
                        emit: (DirEntry, Entry?) -> Bool) throws(FSError)
    {
        let h = try handle(id)
        guard h.inode.isDirectory else { throw FSError(errno: ENOTDIR, message: "readdir") }
        guard offset <= UInt64(Int64.max) else { throw FSError.invalid("readdir offset") }
        try h.directoryLock.withLock { (_: inout Void) throws(FSError) in
            _ = try sys("lseek directory") { Glibc.lseek(h.fd.raw, off_t(offset), SEEK_SET) }
            // Not zero-filled: the kernel writes what getdents64 returns and only that is read.
            // (A zeroed 32 KiB array per request was most of READDIRPLUS's instructions on a
            // small directory: 2 per meta-rm operation, docs/benchmarks.md.)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 32 * 1024, alignment: 8)
            defer { buffer.deallocate() }
            while true {
                let n = try sys("getdents64") { strait_getdents64(h.fd.raw, buffer.baseAddress, buffer.count) }
                if n == 0 { return }
                var records = DirentRecords(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
                while let record = try records.next() {
                    let isDot = Names.isDotOrDotDot(record.name)
                    var entry: Entry? = nil
                    if plus && !isDot {
                        entry = try? lookup(in: h.fd, cname: Names.cString(record.name),
                                            parentMountID: h.inode.key.mountID)
                    }
                    if !emit(record, entry) {
                        if let entry { forget(node: entry.node, count: 1) }
                        return
                    }
                }
            }
        }
    }
}

/// A bounds-checked reader of getdents64 records (native byte order, which is little-endian on
/// every architecture we build for): d_ino u64, d_off s64, d_reclen u16, d_type u8, name, NUL.
struct DirentRecords {
    private let bytes: UnsafeRawBufferPointer
    private var position: Int

    /// `bytes` must stay valid while records are read (the caller's getdents64 buffer).
    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    mutating func next() throws(FSError) -> DirEntry? {
        let header = 19
        guard position + header <= bytes.endIndex else { return nil }
        let ino = le(position, 8)
        let off = le(position + 8, 8)
        let reclen = Int(le(position + 16, 2))
        let type = UInt32(bytes[position + 18])
        guard reclen >= header, position + reclen <= bytes.endIndex else {
            throw FSError(errno: EIO, message: "malformed getdents64 record")
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[(position + header)..<(position + reclen)])
        let name = Array(nameBytes.prefix { $0 != 0 })
        position += reclen
        return DirEntry(ino: ino, nextOffset: off, type: type, name: name)
    }

    private func le(_ at: Int, _ count: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        return value
    }
}
