import Wire

// Arguments and replies of data operations on open handles.

/// `struct fuse_read_in`: READ, READDIR and READDIRPLUS argument.
public struct FuseReadIn: FuseStruct {
    public static let size = 40
    public var fh: UInt64
    public var offset: UInt64
    public var size: UInt32
    public var readFlags: UInt32
    public var lockOwner: UInt64
    public var flags: UInt32

    public init(
        fh: UInt64 = 0,
        offset: UInt64 = 0,
        size: UInt32 = 0,
        readFlags: UInt32 = 0,
        lockOwner: UInt64 = 0,
        flags: UInt32 = 0
    ) {
        self.fh = fh
        self.offset = offset
        self.size = size
        self.readFlags = readFlags
        self.lockOwner = lockOwner
        self.flags = flags
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        fh = try c.readU64()
        offset = try c.readU64()
        size = try c.readU32()
        readFlags = try c.readU32()
        lockOwner = try c.readU64()
        flags = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(fh)
        w.write(offset)
        w.write(size)
        w.write(readFlags)
        w.write(lockOwner)
        w.write(flags)
        w.writeZeros(4)  // padding
    }
}

/// `struct fuse_write_in`: WRITE argument, followed by the payload.
public struct FuseWriteIn: FuseStruct {
    public static let size = 40
    public var fh: UInt64
    public var offset: UInt64
    public var size: UInt32
    public var writeFlags: UInt32
    public var lockOwner: UInt64
    public var flags: UInt32

    public init(
        fh: UInt64 = 0,
        offset: UInt64 = 0,
        size: UInt32 = 0,
        writeFlags: UInt32 = 0,
        lockOwner: UInt64 = 0,
        flags: UInt32 = 0
    ) {
        self.fh = fh
        self.offset = offset
        self.size = size
        self.writeFlags = writeFlags
        self.lockOwner = lockOwner
        self.flags = flags
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        fh = try c.readU64()
        offset = try c.readU64()
        size = try c.readU32()
        writeFlags = try c.readU32()
        lockOwner = try c.readU64()
        flags = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(fh)
        w.write(offset)
        w.write(size)
        w.write(writeFlags)
        w.write(lockOwner)
        w.write(flags)
        w.writeZeros(4)  // padding
    }
}

/// `struct fuse_write_out`: reply to WRITE.
public struct FuseWriteOut: FuseStruct {
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

/// `struct fuse_fsync_in`: FSYNC and FSYNCDIR argument.
public struct FuseFsyncIn: FuseStruct {
    public static let size = 16
    public var fh: UInt64
    public var fsyncFlags: UInt32

    public init(fh: UInt64 = 0, fsyncFlags: UInt32 = 0) {
        self.fh = fh
        self.fsyncFlags = fsyncFlags
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        fh = try c.readU64()
        fsyncFlags = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(fh)
        w.write(fsyncFlags)
        w.writeZeros(4)  // padding
    }
}

/// `struct fuse_fallocate_in`: FALLOCATE argument.
public struct FuseFallocateIn: FuseStruct {
    public static let size = 32
    public var fh: UInt64
    public var offset: UInt64
    public var length: UInt64
    public var mode: UInt32

    public init(fh: UInt64 = 0, offset: UInt64 = 0, length: UInt64 = 0, mode: UInt32 = 0) {
        self.fh = fh
        self.offset = offset
        self.length = length
        self.mode = mode
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        fh = try c.readU64()
        offset = try c.readU64()
        length = try c.readU64()
        mode = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(fh)
        w.write(offset)
        w.write(length)
        w.write(mode)
        w.writeZeros(4)  // padding
    }
}

/// `struct fuse_lseek_in`: LSEEK argument.
public struct FuseLseekIn: FuseStruct {
    public static let size = 24
    public var fh: UInt64
    public var offset: UInt64
    public var whence: UInt32

    public init(fh: UInt64 = 0, offset: UInt64 = 0, whence: UInt32 = 0) {
        self.fh = fh
        self.offset = offset
        self.whence = whence
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        fh = try c.readU64()
        offset = try c.readU64()
        whence = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(fh)
        w.write(offset)
        w.write(whence)
        w.writeZeros(4)  // padding
    }
}

/// `struct fuse_lseek_out`: reply to LSEEK.
public struct FuseLseekOut: FuseStruct {
    public static let size = 8
    public var offset: UInt64

    public init(offset: UInt64 = 0) {
        self.offset = offset
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        offset = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(offset)
    }
}

/// `struct fuse_copy_file_range_in`: COPY_FILE_RANGE argument (reply is `fuse_write_out`).
public struct FuseCopyFileRangeIn: FuseStruct {
    public static let size = 56
    public var fhIn: UInt64
    public var offIn: UInt64
    public var nodeidOut: UInt64
    public var fhOut: UInt64
    public var offOut: UInt64
    public var len: UInt64
    public var flags: UInt64

    public init(
        fhIn: UInt64 = 0,
        offIn: UInt64 = 0,
        nodeidOut: UInt64 = 0,
        fhOut: UInt64 = 0,
        offOut: UInt64 = 0,
        len: UInt64 = 0,
        flags: UInt64 = 0
    ) {
        self.fhIn = fhIn
        self.offIn = offIn
        self.nodeidOut = nodeidOut
        self.fhOut = fhOut
        self.offOut = offOut
        self.len = len
        self.flags = flags
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        fhIn = try c.readU64()
        offIn = try c.readU64()
        nodeidOut = try c.readU64()
        fhOut = try c.readU64()
        offOut = try c.readU64()
        len = try c.readU64()
        flags = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(fhIn)
        w.write(offIn)
        w.write(nodeidOut)
        w.write(fhOut)
        w.write(offOut)
        w.write(len)
        w.write(flags)
    }
}

