import Wire

// POSIX (OFD) and flock locks.

/// `struct fuse_file_lock`: a lock range as the guest describes it (`end` inclusive, OFFSET_MAX = to EOF).
public struct FuseFileLock: FuseStruct {
    public static let size = 24
    public var start: UInt64
    public var end: UInt64
    public var type: UInt32
    public var pid: UInt32

    public init(start: UInt64 = 0, end: UInt64 = 0, type: UInt32 = 0, pid: UInt32 = 0) {
        self.start = start
        self.end = end
        self.type = type
        self.pid = pid
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        start = try c.readU64()
        end = try c.readU64()
        type = try c.readU32()
        pid = try c.readU32()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(start)
        w.write(end)
        w.write(type)
        w.write(pid)
    }
}

/// `struct fuse_lk_in`: GETLK, SETLK and SETLKW argument (FUSE_LK_FLOCK in `lkFlags` means flock).
public struct FuseLkIn: FuseStruct {
    public static let size = 48
    public var fh: UInt64
    public var owner: UInt64
    public var lk: FuseFileLock
    public var lkFlags: UInt32

    public init(
        fh: UInt64 = 0,
        owner: UInt64 = 0,
        lk: FuseFileLock = .init(),
        lkFlags: UInt32 = 0
    ) {
        self.fh = fh
        self.owner = owner
        self.lk = lk
        self.lkFlags = lkFlags
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        fh = try c.readU64()
        owner = try c.readU64()
        lk = try FuseFileLock(from: &c)
        lkFlags = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(fh)
        w.write(owner)
        lk.encode(into: &w)
        w.write(lkFlags)
        w.writeZeros(4)  // padding
    }
}

/// `struct fuse_lk_out`: reply to GETLK.
public struct FuseLkOut: FuseStruct {
    public static let size = 24
    public var lk: FuseFileLock

    public init(lk: FuseFileLock = .init()) {
        self.lk = lk
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        lk = try FuseFileLock(from: &c)
    }

    public func encode(into w: inout ByteWriter) {
        lk.encode(into: &w)
    }
}

