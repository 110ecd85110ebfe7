import Wire

/// `struct fuse_init_in`. Guests before 7.36 send only the first 16 bytes (no `flags2`), so the
/// decoder accepts both layouts; anything shorter than 16 bytes is refused.
public struct FuseInitIn: FuseStruct {
    public static let size = 64
    public var major: UInt32
    public var minor: UInt32
    public var maxReadahead: UInt32
    public var flags: UInt32
    /// Only meaningful when `flags` has FUSE_INIT_EXT.
    public var flags2: UInt32

    public init(major: UInt32 = 0, minor: UInt32 = 0, maxReadahead: UInt32 = 0, flags: UInt32 = 0, flags2: UInt32 = 0) {
        self.major = major
        self.minor = minor
        self.maxReadahead = maxReadahead
        self.flags = flags
        self.flags2 = flags2
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        major = try c.readU32()
        minor = try c.readU32()
        maxReadahead = try c.readU32()
        flags = try c.readU32()
        if c.remaining >= Self.size - FuseProtocol.compatInitInSize {
            flags2 = try c.readU32()
            try c.skip(44)  // unused[11]
        } else {
            flags2 = 0
        }
    }

    public func encode(into w: inout ByteWriter) {
        w.write(major)
        w.write(minor)
        w.write(maxReadahead)
        w.write(flags)
        w.write(flags2)
        w.writeZeros(44)  // unused[11]
    }

    /// Every capability the guest offers; `flags2` counts only with FUSE_INIT_EXT.
    public var offered: FuseInitFlags {
        let low = FuseInitFlags(rawValue: UInt64(flags))
        return FuseInitFlags(low: flags, high: low.contains(.initExt) ? flags2 : 0)
    }
}

/// `struct fuse_init_out` (7.36+ layout with `flags2`). Older guests take a prefix of it:
/// see `encoded(forMinor:)`.
public struct FuseInitOut: FuseStruct {
    public static let size = 64
    public var major: UInt32
    public var minor: UInt32
    public var maxReadahead: UInt32
    public var flags: UInt32
    public var maxBackground: UInt16
    public var congestionThreshold: UInt16
    public var maxWrite: UInt32
    public var timeGran: UInt32
    public var maxPages: UInt16
    public var mapAlignment: UInt16
    public var flags2: UInt32

    public init(
        major: UInt32 = 0,
        minor: UInt32 = 0,
        maxReadahead: UInt32 = 0,
        flags: UInt32 = 0,
        maxBackground: UInt16 = 0,
        congestionThreshold: UInt16 = 0,
        maxWrite: UInt32 = 0,
        timeGran: UInt32 = 0,
        maxPages: UInt16 = 0,
        mapAlignment: UInt16 = 0,
        flags2: UInt32 = 0
    ) {
        self.major = major
        self.minor = minor
        self.maxReadahead = maxReadahead
        self.flags = flags
        self.maxBackground = maxBackground
        self.congestionThreshold = congestionThreshold
        self.maxWrite = maxWrite
        self.timeGran = timeGran
        self.maxPages = maxPages
        self.mapAlignment = mapAlignment
        self.flags2 = flags2
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        major = try c.readU32()
        minor = try c.readU32()
        maxReadahead = try c.readU32()
        flags = try c.readU32()
        maxBackground = try c.readU16()
        congestionThreshold = try c.readU16()
        maxWrite = try c.readU32()
        timeGran = try c.readU32()
        maxPages = try c.readU16()
        mapAlignment = try c.readU16()
        flags2 = try c.readU32()
        try c.skip(28)  // unused[7]
    }

    public func encode(into w: inout ByteWriter) {
        w.write(major)
        w.write(minor)
        w.write(maxReadahead)
        w.write(flags)
        w.write(maxBackground)
        w.write(congestionThreshold)
        w.write(maxWrite)
        w.write(timeGran)
        w.write(maxPages)
        w.write(mapAlignment)
        w.write(flags2)
        w.writeZeros(28)  // unused[7]
    }

    /// Reply size a guest of `minor` expects: 8 bytes before 7.5, 24 before 7.23, else 64.
    public static func size(forMinor minor: UInt32) -> Int {
        if minor < 5 { return FuseProtocol.compatInitOutSize }
        if minor < 23 { return FuseProtocol.compat22InitOutSize }
        return size
    }

    /// The reply in the layout of a guest speaking `minor`.
    public func encoded(forMinor minor: UInt32) -> [UInt8] {
        Array(bytes.prefix(Self.size(forMinor: minor)))
    }
}

/// `struct fuse_setxattr_in`. Without FUSE_SETXATTR_EXT (7.33) the guest sends only `size` and
/// `flags` (8 bytes); with it, `setxattr_flags` and padding follow (16 bytes).
public struct FuseSetxattrIn: FuseStruct {
    public static let size = 16
    public var size: UInt32
    public var flags: UInt32
    public var setxattrFlags: UInt32

    public init(size: UInt32 = 0, flags: UInt32 = 0, setxattrFlags: UInt32 = 0) {
        self.size = size
        self.flags = flags
        self.setxattrFlags = setxattrFlags
    }

    /// The extended (16-byte) layout.
    public init(from c: inout ByteCursor) throws(WireError) {
        try self.init(from: &c, extended: true)
    }

    public init(from c: inout ByteCursor, extended: Bool) throws(WireError) {
        size = try c.readU32()
        flags = try c.readU32()
        if extended {
            setxattrFlags = try c.readU32()
            try c.skip(4)  // padding
        } else {
            setxattrFlags = 0
        }
    }

    public func encode(into w: inout ByteWriter) {
        encode(into: &w, extended: true)
    }

    public func encode(into w: inout ByteWriter, extended: Bool) {
        w.write(size)
        w.write(flags)
        if extended {
            w.write(setxattrFlags)
            w.writeZeros(4)  // padding
        }
    }
}
