/// Why a wire decode failed: the input ended early or a field held an impossible value.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable { case truncated, invalid }
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// A little-endian reader over bytes that refuses short input instead of trapping.
/// Every wire struct (FUSE, vhost-user, virtio) is decoded field by field through one of these.
public struct ByteCursor: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = min(max(offset, 0), bytes.count)
    }

    public var remaining: Int { bytes.count - offset }

    public mutating func readInteger<T: FixedWidthInteger>(_: T.Type = T.self) throws(WireError) -> T {
        let width = MemoryLayout<T>.size
        guard remaining >= width else {
            throw WireError(.truncated, "need \(width) bytes at offset \(offset), have \(remaining)")
        }
        var value: T = 0
        for i in 0..<width {
            value |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i)
        }
        offset += width
        return value
    }

    public mutating func readU8() throws(WireError) -> UInt8 { try readInteger() }
    public mutating func readU16() throws(WireError) -> UInt16 { try readInteger() }
    public mutating func readU32() throws(WireError) -> UInt32 { try readInteger() }
    public mutating func readU64() throws(WireError) -> UInt64 { try readInteger() }
    public mutating func readI32() throws(WireError) -> Int32 { try readInteger() }
    public mutating func readI64() throws(WireError) -> Int64 { try readInteger() }

    public mutating func readBytes(_ count: Int) throws(WireError) -> [UInt8] {
        guard count >= 0, remaining >= count else {
            throw WireError(.truncated, "need \(count) bytes at offset \(offset), have \(remaining)")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func skip(_ count: Int) throws(WireError) {
        guard count >= 0, remaining >= count else {
            throw WireError(.truncated, "cannot skip \(count) bytes at offset \(offset), have \(remaining)")
        }
        offset += count
    }

    /// Bytes up to (not including) the next NUL, consuming the NUL. FUSE names are NUL-terminated.
    public mutating func readCString() throws(WireError) -> [UInt8] {
        guard let end = bytes[offset...].firstIndex(of: 0) else {
            throw WireError(.truncated, "unterminated string at offset \(offset)")
        }
        defer { offset = end + 1 }
        return Array(bytes[offset..<end])
    }

    /// The rest of the input.
    public mutating func readRemaining() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}

/// A little-endian writer; the counterpart of `ByteCursor`.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(bytes more: some Sequence<UInt8>) { bytes.append(contentsOf: more) }

    public mutating func writeZeros(_ count: Int) {
        bytes.append(contentsOf: repeatElement(0, count: max(count, 0)))
    }

    /// Pads with zeros to a multiple of `alignment` (FUSE dirents align to 8).
    public mutating func align(to alignment: Int) {
        let rem = bytes.count % alignment
        if rem != 0 { writeZeros(alignment - rem) }
    }
}
