import Wire

// The headers every request and reply starts with.

/// `struct fuse_in_header`: starts every request; `len` covers header, arguments and payload.
public struct FuseInHeader: FuseStruct {
    public static let size = 40
    public var len: UInt32
    public var opcode: UInt32
    public var unique: UInt64
    public var nodeid: UInt64
    public var uid: UInt32
    public var gid: UInt32
    public var pid: UInt32
    public var totalExtlen: UInt16

    public init(
        len: UInt32 = 0,
        opcode: UInt32 = 0,
        unique: UInt64 = 0,
        nodeid: UInt64 = 0,
        uid: UInt32 = 0,
        gid: UInt32 = 0,
        pid: UInt32 = 0,
        totalExtlen: UInt16 = 0
    ) {
        self.len = len
        self.opcode = opcode
        self.unique = unique
        self.nodeid = nodeid
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.totalExtlen = totalExtlen
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        len = try c.readU32()
        opcode = try c.readU32()
        unique = try c.readU64()
        nodeid = try c.readU64()
        uid = try c.readU32()
        gid = try c.readU32()
        pid = try c.readU32()
        totalExtlen = try c.readU16()
        try c.skip(2)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(len)
        w.write(opcode)
        w.write(unique)
        w.write(nodeid)
        w.write(uid)
        w.write(gid)
        w.write(pid)
        w.write(totalExtlen)
        w.writeZeros(2)  // padding
    }
}

/// `struct fuse_out_header`: starts every reply; `error` is 0 or a negative errno.
public struct FuseOutHeader: FuseStruct {
    public static let size = 16
    public var len: UInt32
    public var error: Int32
    public var unique: UInt64

    public init(len: UInt32 = 0, error: Int32 = 0, unique: UInt64 = 0) {
        self.len = len
        self.error = error
        self.unique = unique
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        len = try c.readU32()
        error = try c.readI32()
        unique = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(len)
        w.write(error)
        w.write(unique)
    }
}

/// `struct fuse_dirent`: the fixed part of a READDIR record; the name follows, padded to 8 bytes.
public struct FuseDirent: FuseStruct {
    public static let size = 24
    public var ino: UInt64
    public var off: UInt64
    public var namelen: UInt32
    public var type: UInt32

    public init(ino: UInt64 = 0, off: UInt64 = 0, namelen: UInt32 = 0, type: UInt32 = 0) {
        self.ino = ino
        self.off = off
        self.namelen = namelen
        self.type = type
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        ino = try c.readU64()
        off = try c.readU64()
        namelen = try c.readU32()
        type = try c.readU32()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(ino)
        w.write(off)
        w.write(namelen)
        w.write(type)
    }
}

