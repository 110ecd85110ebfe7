import Wire

/// The 12-byte header of every vhost-user message.
public struct MessageHeader: Sendable, Equatable {
    public static let size = 12
    /// Largest payload accepted: far above any fixed message (SET_MEM_TABLE with 8 regions is 264,
    /// GET_CONFIG at most 268); anything bigger is a broken or hostile peer.
    public static let maxPayload: UInt32 = 4096

    public var request: UInt32
    public var flags: UInt32
    public var size: UInt32

    public init(request: UInt32, flags: UInt32 = MessageFlags.version, size: UInt32) {
        self.request = request
        self.flags = flags
        self.size = size
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        request = try c.readU32()
        flags = try c.readU32()
        size = try c.readU32()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(request)
        w.write(flags)
        w.write(size)
    }

    public var needsReply: Bool { flags & MessageFlags.needReply != 0 }
    public var isReply: Bool { flags & MessageFlags.reply != 0 }
}

/// A whole message: header, payload and any fds passed with it (owned; closed when dropped).
public struct Message: Sendable {
    public var header: MessageHeader
    public var payload: [UInt8]
    public var fds: [OwnedFD]

    public init(header: MessageHeader, payload: [UInt8], fds: [OwnedFD] = []) {
        self.header = header
        self.payload = payload
        self.fds = fds
    }

    public var cursor: ByteCursor { ByteCursor(payload) }
}

/// VHOST_USER_SET_VRING_NUM / BASE / ENABLE payload, and GET_VRING_BASE's reply.
public struct VringState: Sendable, Equatable {
    public static let size = 8
    public var index: UInt32
    public var num: UInt32

    public init(index: UInt32, num: UInt32) {
        self.index = index
        self.num = num
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        index = try c.readU32()
        num = try c.readU32()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(index)
        w.write(num)
    }
}

/// VHOST_USER_SET_VRING_ADDR: ring addresses in the frontend's own virtual address space.
public struct VringAddress: Sendable, Equatable {
    public static let size = 40
    public static let flagLog: UInt32 = 1
    public var index: UInt32
    public var flags: UInt32
    public var descUserAddr: UInt64
    public var usedUserAddr: UInt64
    public var availUserAddr: UInt64
    public var logGuestAddr: UInt64

    public init(index: UInt32, flags: UInt32 = 0, desc: UInt64, used: UInt64, avail: UInt64, log: UInt64 = 0) {
        self.index = index
        self.flags = flags
        descUserAddr = desc
        usedUserAddr = used
        availUserAddr = avail
        logGuestAddr = log
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        index = try c.readU32()
        flags = try c.readU32()
        descUserAddr = try c.readU64()
        usedUserAddr = try c.readU64()
        availUserAddr = try c.readU64()
        logGuestAddr = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(index)
        w.write(flags)
        w.write(descUserAddr)
        w.write(usedUserAddr)
        w.write(availUserAddr)
        w.write(logGuestAddr)
    }
}

/// One guest memory region as described by the frontend (an fd is passed alongside).
public struct MemoryRegionDescription: Sendable, Equatable {
    public static let size = 32
    public var guestPhysAddr: UInt64
    public var memorySize: UInt64
    public var userspaceAddr: UInt64
    public var mmapOffset: UInt64

    public init(guestPhysAddr: UInt64, memorySize: UInt64, userspaceAddr: UInt64, mmapOffset: UInt64) {
        self.guestPhysAddr = guestPhysAddr
        self.memorySize = memorySize
        self.userspaceAddr = userspaceAddr
        self.mmapOffset = mmapOffset
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        guestPhysAddr = try c.readU64()
        memorySize = try c.readU64()
        userspaceAddr = try c.readU64()
        mmapOffset = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(guestPhysAddr)
        w.write(memorySize)
        w.write(userspaceAddr)
        w.write(mmapOffset)
    }
}

/// VHOST_USER_SET_MEM_TABLE: up to 8 regions, one fd each.
public struct MemoryTableDescription: Sendable, Equatable {
    public static let maxRegions = 8
    public var regions: [MemoryRegionDescription]

    public init(regions: [MemoryRegionDescription]) { self.regions = regions }

    public init(from c: inout ByteCursor) throws(WireError) {
        let count = try c.readU32()
        _ = try c.readU32()
        guard count <= UInt32(Self.maxRegions) else {
            throw WireError(.invalid, "memory table has \(count) regions, at most \(Self.maxRegions)")
        }
        var regions: [MemoryRegionDescription] = []
        for _ in 0..<count { regions.append(try MemoryRegionDescription(from: &c)) }
        self.regions = regions
    }

    public func encode(into w: inout ByteWriter) {
        w.write(UInt32(regions.count))
        w.write(UInt32(0))
        for r in regions { r.encode(into: &w) }
    }
}

/// VHOST_USER_ADD_MEM_REG / REM_MEM_REG: one region after 8 bytes of padding.
public struct SingleMemoryRegion: Sendable, Equatable {
    public static let size = 40
    public var region: MemoryRegionDescription

    public init(region: MemoryRegionDescription) { self.region = region }

    public init(from c: inout ByteCursor) throws(WireError) {
        _ = try c.readU64()
        region = try MemoryRegionDescription(from: &c)
    }

    public func encode(into w: inout ByteWriter) {
        w.write(UInt64(0))
        region.encode(into: &w)
    }
}

/// VHOST_USER_SET_VRING_KICK / CALL / ERR: the queue index, and whether an fd accompanies it.
public struct VringFile: Sendable, Equatable {
    public static let invalidFDFlag: UInt64 = 1 << 8
    public var index: UInt32
    public var hasFD: Bool

    public init(index: UInt32, hasFD: Bool) {
        self.index = index
        self.hasFD = hasFD
    }

    public init(_ value: UInt64) {
        index = UInt32(value & 0xff)
        hasFD = value & Self.invalidFDFlag == 0
    }

    public var value: UInt64 { UInt64(index) | (hasFD ? 0 : Self.invalidFDFlag) }
}

/// VHOST_USER_SET_LOG_BASE: the dirty log's size and offset in the passed fd.
public struct LogDescription: Sendable, Equatable {
    public static let size = 16
    public var size: UInt64
    public var offset: UInt64

    public init(size: UInt64, offset: UInt64) {
        self.size = size
        self.offset = offset
    }

    public init(from c: inout ByteCursor) throws(WireError) {
        size = try c.readU64()
        offset = try c.readU64()
    }

    public func encode(into w: inout ByteWriter) {
        w.write(size)
        w.write(offset)
    }
}
