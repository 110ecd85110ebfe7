@_exported import Wire

/// A fixed-size FUSE wire struct: decoded and encoded field by field, little-endian, never by
/// reinterpreting memory. `size` is the kernel's `sizeof`, checked against linux/fuse.h in tests.
public protocol FuseStruct: Sendable, Equatable {
    static var size: Int { get }
    init(from c: inout ByteCursor) throws(WireError)
    func encode(into w: inout ByteWriter)
}

extension FuseStruct {
    /// Decodes from the start of `bytes`; trailing bytes are ignored (the caller slices).
    public init(bytes: [UInt8]) throws(WireError) {
        var c = ByteCursor(bytes)
        try self.init(from: &c)
    }

    /// The encoded bytes, exactly `Self.size` long.
    public var bytes: [UInt8] {
        var w = ByteWriter(capacity: Self.size)
        encode(into: &w)
        return w.bytes
    }
}

/// Protocol version and limits this implementation speaks.
public enum FuseProtocol {
    public static let kernelVersion: UInt32 = 7
    /// The newest minor we implement (linux/fuse.h of Linux 6.1, Debian bookworm).
    public static let kernelMinorVersion: UInt32 = 38
    /// Node id of the root directory.
    public static let rootID: UInt64 = 1
    /// The kernel requires READ/READDIR buffers of at least this size.
    public static let minReadBuffer = 8192
    /// Replies to guests older than 7.9 carry shorter entry/attr structs.
    public static let compatEntryOutSize = 120
    public static let compatAttrOutSize = 96
    /// Guests older than 7.4 take a shorter statfs reply.
    public static let compatStatfsSize = 48
    /// Guests older than 7.12 send an 8-byte mknod_in (no umask).
    public static let compatMknodInSize = 8
    /// Guests older than 7.9 send a 24-byte write_in (no lock_owner/flags).
    public static let compatWriteInSize = 24
    /// Without FUSE_SETXATTR_EXT the guest sends the 8-byte setxattr_in.
    public static let compatSetxattrInSize = 8
    public static let compatInitOutSize = 8
    public static let compat22InitOutSize = 24
    /// Old init_in (before 7.36's flags2): major, minor, max_readahead, flags.
    public static let compatInitInSize = 16
}
