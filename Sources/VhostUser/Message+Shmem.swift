import Wire

/// VHOST_USER_BACKEND_SHMEM_MAP / SHMEM_UNMAP (backend channel): map `length` bytes of the passed
/// fd at `fdOffset` into shared-memory region `shmid` at `shmOffset`; UNMAP names a range that
/// a MAP made, exactly. QEMU 11.1's layout: u8 shmid, 7 bytes padding, then four u64s.
public struct ShmemMapMessage: Sendable, Equatable {
    public static let size = 40
    /// flags bit 0: the mapping is writable.
    public static let flagWritable: UInt64 = 1

    public var shmid: UInt8
    public var fdOffset: UInt64
    public var shmOffset: UInt64
    public var length: UInt64
    public var flags: UInt64

    public init(shmid: UInt8 = 0, fdOffset: UInt64, shmOffset: UInt64, length: UInt64, flags: UInt64) {
        self.shmid = shmid
        self.fdOffset = fdOffset
        self.shmOffset = shmOffset
        self.length = length
        self.flags = flags
    }

    public var isWritable: Bool { flags & Self.flagWritable != 0 }

    public init(from c: inout ByteCursor) throws(WireError) {
        shmid = try c.readU8()
        try c.skip(7)
        fdOffset = try c.readU64()
        shmOffset = try c.readU64()
        length = try c.readU64()
        flags = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(shmid)
        w.write(bytes: [UInt8](repeating: 0, count: 7))
        w.write(fdOffset)
        w.write(shmOffset)
        w.write(length)
        w.write(flags)
    }
}

/// The reply to VHOST_USER_GET_SHMEM_CONFIG: how many shared-memory regions the device has and
/// the size of each, indexed by shmid (QEMU reads all 256 slots).
public struct ShmemConfig: Sendable, Equatable {
    public static let maxRegions = 256
    public static let size = 8 + 8 * maxRegions

    public var sizes: [UInt64]

    public init(sizes: [UInt64]) { self.sizes = Array(sizes.prefix(Self.maxRegions)) }

    public init(from c: inout ByteCursor) throws(WireError) {
        let n = Int(try c.readU32())
        _ = try c.readU32()
        var all: [UInt64] = []
        for _ in 0..<Self.maxRegions { all.append(try c.readU64()) }
        sizes = Array(all.prefix(min(n, Self.maxRegions)))
    }

    public func encode(into w: inout ByteWriter) {
        w.write(UInt32(sizes.count))
        w.write(UInt32(0))
        for i in 0..<Self.maxRegions { w.write(i < sizes.count ? sizes[i] : UInt64(0)) }
    }
}

/// VHOST_USER_GET_CONFIG's payload both ways: a window [offset, offset+size) of the device's
/// config space (CONFIG protocol feature). The reply echoes the header with the bytes filled in.
public struct DeviceConfigMessage: Sendable, Equatable {
    public static let headerSize = 12
    /// VHOST_USER_MAX_CONFIG_SIZE in QEMU.
    public static let maxSize = 256

    public var offset: UInt32
    public var flags: UInt32
    public var bytes: [UInt8]

    public init(offset: UInt32, flags: UInt32, bytes: [UInt8]) {
        self.offset = offset
        self.flags = flags
        self.bytes = bytes
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        offset = try c.readU32()
        let size = Int(try c.readU32())
        flags = try c.readU32()
        guard size <= Self.maxSize else { throw WireError(.invalid, "config size \(size) above \(Self.maxSize)") }
        bytes = try c.readBytes(size)
    }

    public func encode(into w: inout ByteWriter) {
        w.write(offset)
        w.write(UInt32(bytes.count))
        w.write(flags)
        w.write(bytes: bytes)
    }
}

/// The virtio-fs device's config space (virtio 1.2 §5.11.4): a 36-byte tag, NUL padded, and
/// le32 num_request_queues. The generic vhost-user device reads it through GET_CONFIG.
public enum VirtioFSConfigSpace {
    public static let tagSize = 36
    public static let size = 40

    /// nil when the tag does not fit (more than 36 bytes of UTF-8) or is empty.
    public static func encode(tag: String, requestQueues: UInt32) -> [UInt8]? {
        let t = Array(tag.utf8)
        guard !t.isEmpty, t.count <= tagSize else { return nil }
        var w = ByteWriter(capacity: size)
        w.write(bytes: t + [UInt8](repeating: 0, count: tagSize - t.count))
        w.write(requestQueues)
        return w.bytes
    }
}
