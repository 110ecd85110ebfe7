import Wire

// Arguments and replies of the open-file operations.

/// `struct fuse_open_in`: OPEN and OPENDIR argument.
public struct FuseOpenIn: FuseStruct {
    public static let size = 8
    public var flags: UInt32
    public var openFlags: UInt32

    public init(flags: UInt32 = 0, openFlags: UInt32 = 0) {
        self.flags = flags
        self.openFlags = openFlags
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        flags = try c.readU32()
        openFlags = try c.readU32()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(flags)
        w.write(openFlags)
    }
}

/// `struct fuse_create_in`: CREATE and TMPFILE argument, followed by the name (CREATE).
public struct FuseCreateIn: FuseStruct {
    public static let size = 16
    public var flags: UInt32
    public var mode: UInt32
    public var umask: UInt32
    public var openFlags: UInt32

    public init(flags: UInt32 = 0, mode: UInt32 = 0, umask: UInt32 = 0, openFlags: UInt32 = 0) {
        self.flags = flags
        self.mode = mode
        self.umask = umask
        self.openFlags = openFlags
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        flags = try c.readU32()
        mode = try c.readU32()
        umask = try c.readU32()
        openFlags = try c.readU32()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(flags)
        w.write(mode)
        w.write(umask)
        w.write(openFlags)
    }
}

/// `struct fuse_open_out`: reply to OPEN, OPENDIR, and the second half of CREATE/TMPFILE.
public struct FuseOpenOut: FuseStruct {
    public static let size = 16
    public var fh: UInt64
    public var openFlags: UInt32

    public init(fh: UInt64 = 0, openFlags: UInt32 = 0) {
        self.fh = fh
        self.openFlags = openFlags
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        fh = try c.readU64()
        openFlags = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(fh)
        w.write(openFlags)
        w.writeZeros(4)  // padding
    }
}

/// `struct fuse_release_in`: RELEASE and RELEASEDIR argument.
public struct FuseReleaseIn: FuseStruct {
    public static let size = 24
    public var fh: UInt64
    public var flags: UInt32
    public var releaseFlags: UInt32
    public var lockOwner: UInt64

    public init(
        fh: UInt64 = 0,
        flags: UInt32 = 0,
        releaseFlags: UInt32 = 0,
        lockOwner: UInt64 = 0
    ) {
        self.fh = fh
        self.flags = flags
        self.releaseFlags = releaseFlags
        self.lockOwner = lockOwner
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        fh = try c.readU64()
        flags = try c.readU32()
        releaseFlags = try c.readU32()
        lockOwner = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(fh)
        w.write(flags)
        w.write(releaseFlags)
        w.write(lockOwner)
    }
}

/// `struct fuse_flush_in`: FLUSH argument.
public struct FuseFlushIn: FuseStruct {
    public static let size = 24
    public var fh: UInt64
    public var lockOwner: UInt64

    public init(fh: UInt64 = 0, lockOwner: UInt64 = 0) {
        self.fh = fh
        self.lockOwner = lockOwner
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        fh = try c.readU64()
        try c.skip(4)  // unused
        try c.skip(4)  // padding
        lockOwner = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(fh)
        w.writeZeros(4)  // unused
        w.writeZeros(4)  // padding
        w.write(lockOwner)
    }
}

