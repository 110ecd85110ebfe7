import Wire

// Extended attributes.

/// `struct fuse_getxattr_in`: GETXATTR and LISTXATTR argument; size 0 asks for the size only.
public struct FuseGetxattrIn: FuseStruct {
    public static let size = 8
    public var size: UInt32

    public init(size: UInt32 = 0) {
        self.size = size
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        size = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(size)
        w.writeZeros(4)  // padding
    }
}

/// `struct fuse_getxattr_out`: reply to a size-only GETXATTR/LISTXATTR.
public struct FuseGetxattrOut: FuseStruct {
    public static let size = 8
    public var size: UInt32

    public init(size: UInt32 = 0) {
        self.size = size
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        size = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(size)
        w.writeZeros(4)  // padding
    }
}

