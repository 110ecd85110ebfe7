import Wire

extension FuseDirent {
    /// Offset of the name in a READDIR record (FUSE_NAME_OFFSET).
    public static let nameOffset = 24

    /// FUSE_DIRENT_SIZE: header + name, rounded up to 8 bytes.
    public static func recordSize(nameLength: Int) -> Int { align8(nameOffset + nameLength) }
}

/// `struct fuse_direntplus`: an entry_out followed by a dirent (READDIRPLUS records).
public enum FuseDirentPlus {
    /// FUSE_NAME_OFFSET_DIRENTPLUS.
    public static let nameOffset = FuseEntryOut.size + FuseDirent.nameOffset
    public static func recordSize(nameLength: Int) -> Int { align8(nameOffset + nameLength) }
}

@inline(__always) func align8(_ n: Int) -> Int { (n + 7) & ~7 }

/// Packs READDIR / READDIRPLUS records into at most `capacity` bytes (the guest's read size).
/// An append that would not fit returns false and leaves the buffer unchanged, so the caller
/// stops and the guest continues from the last record's `off`.
public struct FuseDirentWriter: Sendable {
    public let capacity: Int
    public private(set) var writer: ByteWriter

    public init(capacity: Int) {
        self.capacity = max(capacity, 0)
        writer = ByteWriter(capacity: min(self.capacity, 64 * 1024))
    }

    public var bytes: [UInt8] { writer.bytes }
    public var count: Int { writer.count }
    public var isEmpty: Bool { writer.count == 0 }

    /// Whether a record for a name of this length still fits.
    public func fits(nameLength: Int, plus: Bool) -> Bool {
        let size = plus ? FuseDirentPlus.recordSize(nameLength: nameLength) : FuseDirent.recordSize(nameLength: nameLength)
        return writer.count + size <= capacity
    }

    public mutating func append(_ dirent: FuseDirent, name: [UInt8]) -> Bool {
        guard fits(nameLength: name.count, plus: false) else { return false }
        var d = dirent
        d.namelen = UInt32(name.count)
        d.encode(into: &writer)
        writer.write(bytes: name)
        writer.align(to: 8)
        return true
    }

    public mutating func appendPlus(_ entry: FuseEntryOut, _ dirent: FuseDirent, name: [UInt8]) -> Bool {
        guard fits(nameLength: name.count, plus: true) else { return false }
        entry.encode(into: &writer)
        var d = dirent
        d.namelen = UInt32(name.count)
        d.encode(into: &writer)
        writer.write(bytes: name)
        writer.align(to: 8)
        return true
    }
}

/// One decoded READDIR(PLUS) record (the driver side and tests read replies with this).
public struct FuseDirentRecord: Sendable, Equatable {
    public var entry: FuseEntryOut?
    public var dirent: FuseDirent
    public var name: [UInt8]

    /// Decodes a whole READDIR (plus = false) or READDIRPLUS reply body.
    public static func decodeAll(_ bytes: [UInt8], plus: Bool) throws(WireError) -> [FuseDirentRecord] {
        var c = ByteCursor(bytes)
        var out: [FuseDirentRecord] = []
        while c.remaining > 0 {
            let start = c.offset
            let entry = plus ? try FuseEntryOut(from: &c) : nil
            let dirent = try FuseDirent(from: &c)
            guard dirent.namelen <= 4096 else {
                throw WireError(.invalid, "dirent name length \(dirent.namelen) at offset \(start)")
            }
            let name = try c.readBytes(Int(dirent.namelen))
            let used = c.offset - start
            try c.skip(min(align8(used) - used, c.remaining))
            out.append(FuseDirentRecord(entry: entry, dirent: dirent, name: name))
        }
        return out
    }
}
