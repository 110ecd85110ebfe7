import Wire

// DAX window mapping (virtio-fs only).

/// `struct fuse_setupmapping_in`: SETUPMAPPING argument.
public struct FuseSetupmappingIn: FuseStruct {
    public static let size = 40
    public var fh: UInt64
    public var foffset: UInt64
    public var len: UInt64
    public var flags: UInt64
    public var moffset: UInt64

    public init(
        fh: UInt64 = 0,
        foffset: UInt64 = 0,
        len: UInt64 = 0,
        flags: UInt64 = 0,
        moffset: UInt64 = 0
    ) {
        self.fh = fh
        self.foffset = foffset
        self.len = len
        self.flags = flags
        self.moffset = moffset
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        fh = try c.readU64()
        foffset = try c.readU64()
        len = try c.readU64()
        flags = try c.readU64()
        moffset = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(fh)
        w.write(foffset)
        w.write(len)
        w.write(flags)
        w.write(moffset)
    }
}

/// `struct fuse_removemapping_in`: REMOVEMAPPING argument, followed by `count` `fuse_removemapping_one`.
public struct FuseRemovemappingIn: FuseStruct {
    public static let size = 4
    public var count: UInt32

    public init(count: UInt32 = 0) {
        self.count = count
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        count = try c.readU32()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(count)
    }
}

/// `struct fuse_removemapping_one`: one range to unmap from the window.
public struct FuseRemovemappingOne: FuseStruct {
    public static let size = 16
    public var moffset: UInt64
    public var len: UInt64

    public init(moffset: UInt64 = 0, len: UInt64 = 0) {
        self.moffset = moffset
        self.len = len
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        moffset = try c.readU64()
        len = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(moffset)
        w.write(len)
    }
}

