import Wire

// Arguments of the namespace operations (names follow these structs as NUL-terminated bytes).

/// `struct fuse_forget_in`: FORGET argument (no reply).
public struct FuseForgetIn: FuseStruct {
    public static let size = 8
    public var nlookup: UInt64

    public init(nlookup: UInt64 = 0) {
        self.nlookup = nlookup
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        nlookup = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(nlookup)
    }
}

/// `struct fuse_forget_one`: one entry of BATCH_FORGET.
public struct FuseForgetOne: FuseStruct {
    public static let size = 16
    public var nodeid: UInt64
    public var nlookup: UInt64

    public init(nodeid: UInt64 = 0, nlookup: UInt64 = 0) {
        self.nodeid = nodeid
        self.nlookup = nlookup
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        nodeid = try c.readU64()
        nlookup = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(nodeid)
        w.write(nlookup)
    }
}

/// `struct fuse_batch_forget_in`: BATCH_FORGET argument, followed by `count` `fuse_forget_one`.
public struct FuseBatchForgetIn: FuseStruct {
    public static let size = 8
    public var count: UInt32

    public init(count: UInt32 = 0) {
        self.count = count
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        count = try c.readU32()
        try c.skip(4)  // dummy
    }

    public func encode(into w: inout ByteWriter) {
        w.write(count)
        w.writeZeros(4)  // dummy
    }
}

/// `struct fuse_mknod_in`: MKNOD argument, followed by the name.
public struct FuseMknodIn: FuseStruct {
    public static let size = 16
    public var mode: UInt32
    public var rdev: UInt32
    public var umask: UInt32

    public init(mode: UInt32 = 0, rdev: UInt32 = 0, umask: UInt32 = 0) {
        self.mode = mode
        self.rdev = rdev
        self.umask = umask
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        mode = try c.readU32()
        rdev = try c.readU32()
        umask = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(mode)
        w.write(rdev)
        w.write(umask)
        w.writeZeros(4)  // padding
    }
}

/// `struct fuse_mkdir_in`: MKDIR argument, followed by the name.
public struct FuseMkdirIn: FuseStruct {
    public static let size = 8
    public var mode: UInt32
    public var umask: UInt32

    public init(mode: UInt32 = 0, umask: UInt32 = 0) {
        self.mode = mode
        self.umask = umask
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        mode = try c.readU32()
        umask = try c.readU32()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(mode)
        w.write(umask)
    }
}

/// `struct fuse_rename_in`: RENAME argument, followed by old and new names.
public struct FuseRenameIn: FuseStruct {
    public static let size = 8
    public var newdir: UInt64

    public init(newdir: UInt64 = 0) {
        self.newdir = newdir
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        newdir = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(newdir)
    }
}

/// `struct fuse_rename2_in`: RENAME2 argument (RENAME_NOREPLACE/EXCHANGE/WHITEOUT in `flags`).
public struct FuseRename2In: FuseStruct {
    public static let size = 16
    public var newdir: UInt64
    public var flags: UInt32

    public init(newdir: UInt64 = 0, flags: UInt32 = 0) {
        self.newdir = newdir
        self.flags = flags
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        newdir = try c.readU64()
        flags = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(newdir)
        w.write(flags)
        w.writeZeros(4)  // padding
    }
}

/// `struct fuse_link_in`: LINK argument, followed by the new name.
public struct FuseLinkIn: FuseStruct {
    public static let size = 8
    public var oldnodeid: UInt64

    public init(oldnodeid: UInt64 = 0) {
        self.oldnodeid = oldnodeid
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        oldnodeid = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(oldnodeid)
    }
}

/// `struct fuse_access_in`: ACCESS argument.
public struct FuseAccessIn: FuseStruct {
    public static let size = 8
    public var mask: UInt32

    public init(mask: UInt32 = 0) {
        self.mask = mask
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        mask = try c.readU32()
        try c.skip(4)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.write(mask)
        w.writeZeros(4)  // padding
    }
}

/// `struct fuse_interrupt_in`: INTERRUPT argument: the `unique` of the request to interrupt.
public struct FuseInterruptIn: FuseStruct {
    public static let size = 8
    public var unique: UInt64

    public init(unique: UInt64 = 0) {
        self.unique = unique
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        unique = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(unique)
    }
}

/// `struct fuse_syncfs_in`: SYNCFS argument.
public struct FuseSyncfsIn: FuseStruct {
    public static let size = 8

    public init() {
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        try c.skip(8)  // padding
    }

    public func encode(into w: inout ByteWriter) {
        w.writeZeros(8)  // padding
    }
}

