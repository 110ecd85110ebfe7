import Wire

// Attribute-carrying replies and the structs they nest. Generated field by field from
// linux/fuse.h 7.38, then reviewed; FUSETests checks every size against the header.

/// `struct fuse_attr`: inode attributes as the guest caches them.
public struct FuseAttr: FuseStruct {
    public static let size = 88
    public var ino: UInt64
    public var size: UInt64
    public var blocks: UInt64
    public var atime: UInt64
    public var mtime: UInt64
    public var ctime: UInt64
    public var atimensec: UInt32
    public var mtimensec: UInt32
    public var ctimensec: UInt32
    public var mode: UInt32
    public var nlink: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var rdev: UInt32
    public var blksize: UInt32
    public var flags: UInt32

    public init(
        ino: UInt64 = 0,
        size: UInt64 = 0,
        blocks: UInt64 = 0,
        atime: UInt64 = 0,
        mtime: UInt64 = 0,
        ctime: UInt64 = 0,
        atimensec: UInt32 = 0,
        mtimensec: UInt32 = 0,
        ctimensec: UInt32 = 0,
        mode: UInt32 = 0,
        nlink: UInt32 = 0,
        uid: UInt32 = 0,
        gid: UInt32 = 0,
        rdev: UInt32 = 0,
        blksize: UInt32 = 0,
        flags: UInt32 = 0
    ) {
        self.ino = ino
        self.size = size
        self.blocks = blocks
        self.atime = atime
        self.mtime = mtime
        self.ctime = ctime
        self.atimensec = atimensec
        self.mtimensec = mtimensec
        self.ctimensec = ctimensec
        self.mode = mode
        self.nlink = nlink
        self.uid = uid
        self.gid = gid
        self.rdev = rdev
        self.blksize = blksize
        self.flags = flags
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        ino = try c.readU64()
        size = try c.readU64()
        blocks = try c.readU64()
        atime = try c.readU64()
        mtime = try c.readU64()
        ctime = try c.readU64()
        atimensec = try c.readU32()
        mtimensec = try c.readU32()
        ctimensec = try c.readU32()
        mode = try c.readU32()
        nlink = try c.readU32()
        uid = try c.readU32()
        gid = try c.readU32()
        rdev = try c.readU32()
        blksize = try c.readU32()
        flags = try c.readU32()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(ino)
        w.write(size)
        w.write(blocks)
        w.write(atime)
        w.write(mtime)
        w.write(ctime)
        w.write(atimensec)
        w.write(mtimensec)
        w.write(ctimensec)
        w.write(mode)
        w.write(nlink)
        w.write(uid)
        w.write(gid)
        w.write(rdev)
        w.write(blksize)
        w.write(flags)
    }
}

/// `struct fuse_entry_out`: reply to LOOKUP, MKNOD, MKDIR, SYMLINK, LINK, CREATE and TMPFILE.
public struct FuseEntryOut: FuseStruct {
    public static let size = 128
    public var nodeid: UInt64
    public var generation: UInt64
    public var entryValid: UInt64
    public var attrValid: UInt64
    public var entryValidNsec: UInt32
    public var attrValidNsec: UInt32
    public var attr: FuseAttr

    public init(
        nodeid: UInt64 = 0,
        generation: UInt64 = 0,
        entryValid: UInt64 = 0,
        attrValid: UInt64 = 0,
        entryValidNsec: UInt32 = 0,
        attrValidNsec: UInt32 = 0,
        attr: FuseAttr = .init()
    ) {
        self.nodeid = nodeid
        self.generation = generation
        self.entryValid = entryValid
        self.attrValid = attrValid
        self.entryValidNsec = entryValidNsec
        self.attrValidNsec = attrValidNsec
        self.attr = attr
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        nodeid = try c.readU64()
        generation = try c.readU64()
        entryValid = try c.readU64()
        attrValid = try c.readU64()
        entryValidNsec = try c.readU32()
        attrValidNsec = try c.readU32()
        attr = try FuseAttr(from: &c)
    }

    public func encode(into w: inout ByteWriter) {
        w.write(nodeid)
        w.write(generation)
        w.write(entryValid)
        w.write(attrValid)
        w.write(entryValidNsec)
        w.write(attrValidNsec)
        attr.encode(into: &w)
    }
}

/// `struct fuse_attr_out`: reply to GETATTR and SETATTR.
public struct FuseAttrOut: FuseStruct {
    public static let size = 104
    public var attrValid: UInt64
    public var attrValidNsec: UInt32
    public var attr: FuseAttr

    public init(attrValid: UInt64 = 0, attrValidNsec: UInt32 = 0, attr: FuseAttr = .init()) {
        self.attrValid = attrValid
        self.attrValidNsec = attrValidNsec
        self.attr = attr
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        attrValid = try c.readU64()
        attrValidNsec = try c.readU32()
        try c.skip(4)  // dummy
        attr = try FuseAttr(from: &c)
    }

    public func encode(into w: inout ByteWriter) {
        w.write(attrValid)
        w.write(attrValidNsec)
        w.writeZeros(4)  // dummy
        attr.encode(into: &w)
    }
}

/// `struct fuse_getattr_in`: GETATTR argument (a handle when `getattrFlags` has FUSE_GETATTR_FH).
public struct FuseGetattrIn: FuseStruct {
    public static let size = 16
    public var getattrFlags: UInt32
    public var fh: UInt64

    public init(getattrFlags: UInt32 = 0, fh: UInt64 = 0) {
        self.getattrFlags = getattrFlags
        self.fh = fh
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        getattrFlags = try c.readU32()
        try c.skip(4)  // dummy
        fh = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(getattrFlags)
        w.writeZeros(4)  // dummy
        w.write(fh)
    }
}

/// `struct fuse_setattr_in`: SETATTR argument; `valid` says which fields apply (FATTR_*).
public struct FuseSetattrIn: FuseStruct {
    public static let size = 88
    public var valid: UInt32
    public var fh: UInt64
    public var size: UInt64
    public var lockOwner: UInt64
    public var atime: UInt64
    public var mtime: UInt64
    public var ctime: UInt64
    public var atimensec: UInt32
    public var mtimensec: UInt32
    public var ctimensec: UInt32
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32

    public init(
        valid: UInt32 = 0,
        fh: UInt64 = 0,
        size: UInt64 = 0,
        lockOwner: UInt64 = 0,
        atime: UInt64 = 0,
        mtime: UInt64 = 0,
        ctime: UInt64 = 0,
        atimensec: UInt32 = 0,
        mtimensec: UInt32 = 0,
        ctimensec: UInt32 = 0,
        mode: UInt32 = 0,
        uid: UInt32 = 0,
        gid: UInt32 = 0
    ) {
        self.valid = valid
        self.fh = fh
        self.size = size
        self.lockOwner = lockOwner
        self.atime = atime
        self.mtime = mtime
        self.ctime = ctime
        self.atimensec = atimensec
        self.mtimensec = mtimensec
        self.ctimensec = ctimensec
        self.mode = mode
        self.uid = uid
        self.gid = gid
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        valid = try c.readU32()
        try c.skip(4)  // padding
        fh = try c.readU64()
        size = try c.readU64()
        lockOwner = try c.readU64()
        atime = try c.readU64()
        mtime = try c.readU64()
        ctime = try c.readU64()
        atimensec = try c.readU32()
        mtimensec = try c.readU32()
        ctimensec = try c.readU32()
        mode = try c.readU32()
        try c.skip(4)  // unused4
        uid = try c.readU32()
        gid = try c.readU32()
        try c.skip(4)  // unused5
    }

    public func encode(into w: inout ByteWriter) {
        w.write(valid)
        w.writeZeros(4)  // padding
        w.write(fh)
        w.write(size)
        w.write(lockOwner)
        w.write(atime)
        w.write(mtime)
        w.write(ctime)
        w.write(atimensec)
        w.write(mtimensec)
        w.write(ctimensec)
        w.write(mode)
        w.writeZeros(4)  // unused4
        w.write(uid)
        w.write(gid)
        w.writeZeros(4)  // unused5
    }
}

/// `struct fuse_kstatfs`: file system statistics.
public struct FuseKstatfs: FuseStruct {
    public static let size = 80
    public var blocks: UInt64
    public var bfree: UInt64
    public var bavail: UInt64
    public var files: UInt64
    public var ffree: UInt64
    public var bsize: UInt32
    public var namelen: UInt32
    public var frsize: UInt32

    public init(
        blocks: UInt64 = 0,
        bfree: UInt64 = 0,
        bavail: UInt64 = 0,
        files: UInt64 = 0,
        ffree: UInt64 = 0,
        bsize: UInt32 = 0,
        namelen: UInt32 = 0,
        frsize: UInt32 = 0
    ) {
        self.blocks = blocks
        self.bfree = bfree
        self.bavail = bavail
        self.files = files
        self.ffree = ffree
        self.bsize = bsize
        self.namelen = namelen
        self.frsize = frsize
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        blocks = try c.readU64()
        bfree = try c.readU64()
        bavail = try c.readU64()
        files = try c.readU64()
        ffree = try c.readU64()
        bsize = try c.readU32()
        namelen = try c.readU32()
        frsize = try c.readU32()
        try c.skip(4)  // padding
        try c.skip(24)  // spare
    }

    public func encode(into w: inout ByteWriter) {
        w.write(blocks)
        w.write(bfree)
        w.write(bavail)
        w.write(files)
        w.write(ffree)
        w.write(bsize)
        w.write(namelen)
        w.write(frsize)
        w.writeZeros(4)  // padding
        w.writeZeros(24)  // spare
    }
}

/// `struct fuse_statfs_out`: reply to STATFS.
public struct FuseStatfsOut: FuseStruct {
    public static let size = 80
    public var st: FuseKstatfs

    public init(st: FuseKstatfs = .init()) {
        self.st = st
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        st = try FuseKstatfs(from: &c)
    }

    public func encode(into w: inout ByteWriter) {
        st.encode(into: &w)
    }
}

