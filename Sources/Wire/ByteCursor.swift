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
    // Internal storage of `offset` so that the reads below can be inlined into the codecs of
    // other modules (every FUSE header and argument struct is decoded through them).
    @usableFromInline var position: Int
    public var offset: Int { position }

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.position = min(max(offset, 0), bytes.count)
    }

    @inlinable
    public var remaining: Int { bytes.count - position }

    /// @inlinable: called per field of every request (a call and a witness-free generic each
    /// time otherwise); the error path stays out of line.
    @inlinable @inline(__always)
    public mutating func readInteger<T: FixedWidthInteger>(_: T.Type = T.self) throws(WireError) -> T {
        let width = MemoryLayout<T>.size
        guard remaining >= width else { throw truncated(width) }
        // One bounds check above, then an unaligned little-endian load (no per-byte checks).
        let at = position
        let raw = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) }
        position += width
        return T(littleEndian: raw)
    }

    @usableFromInline
    func truncated(_ width: Int) -> WireError {
        WireError(.truncated, "need \(width) bytes at offset \(position), have \(remaining)")
    }

    @inlinable @inline(__always) public mutating func readU8() throws(WireError) -> UInt8 { try readInteger() }
    @inlinable @inline(__always) public mutating func readU16() throws(WireError) -> UInt16 { try readInteger() }
    @inlinable @inline(__always) public mutating func readU32() throws(WireError) -> UInt32 { try readInteger() }
    @inlinable @inline(__always) public mutating func readU64() throws(WireError) -> UInt64 { try readInteger() }
    @inlinable @inline(__always) public mutating func readI32() throws(WireError) -> Int32 { try readInteger() }
    @inlinable @inline(__always) public mutating func readI64() throws(WireError) -> Int64 { try readInteger() }

    public mutating func readBytes(_ count: Int) throws(WireError) -> [UInt8] {
        guard count >= 0, remaining >= count else {
            throw WireError(.truncated, "need \(count) bytes at offset \(offset), have \(remaining)")
        }
        defer { position += count }
        return Array(bytes[offset..<offset + count])
    }

    @inlinable
    public mutating func skip(_ count: Int) throws(WireError) {
        guard count >= 0, remaining >= count else { throw cannotSkip(count) }
        position += count
    }

    @usableFromInline
    func cannotSkip(_ count: Int) -> WireError {
        WireError(.truncated, "cannot skip \(count) bytes at offset \(position), have \(remaining)")
    }

    /// Bytes up to (not including) the next NUL, consuming the NUL. FUSE names are NUL-terminated.
    public mutating func readCString() throws(WireError) -> [UInt8] {
        guard let end = bytes[offset...].firstIndex(of: 0) else {
            throw WireError(.truncated, "unterminated string at offset \(offset)")
        }
        defer { position = end + 1 }
        return Array(bytes[offset..<end])
    }

    /// The rest of the input.
    public mutating func readRemaining() -> [UInt8] {
        defer { position = bytes.count }
        return Array(bytes[offset...])
    }
}

/// A little-endian writer; the counterpart of `ByteCursor`.
/// The storage is zero-filled up to the requested capacity on the first write and each field is
/// stored in place (one bounds check per field, not one append per byte): FUSE replies are
/// encoded on every request. `bytes` is the storage itself when exactly `capacity` was written.
///
/// Made with `init(into:)` it writes straight into the caller's buffer instead (a reply encoded
/// in guest memory, where the guest reads it: no array, no copy). There every byte is stored,
/// padding included, and writes past the buffer's end are dropped and flagged in `overflowed`.
/// The writes are @inlinable: every field of every reply goes through them.
public struct ByteWriter: Sendable {
    @usableFromInline var storage: [UInt8] = []
    @usableFromInline var written = 0
    @usableFromInline let capacity: Int
    /// The caller's buffer, as an address (0: the writer's own storage).
    @usableFromInline let target: UInt
    @usableFromInline var overflow = false

    public init(capacity: Int = 64) {
        self.capacity = max(capacity, 0)
        target = 0
        storage.reserveCapacity(self.capacity)
    }

    /// Writes into `buffer` (which must outlive the writer's use); at most `buffer.count` bytes.
    public init(into buffer: UnsafeMutableRawBufferPointer) {
        capacity = buffer.baseAddress == nil ? 0 : buffer.count
        target = UInt(bitPattern: buffer.baseAddress)
    }

    /// How many bytes were written.
    public var count: Int { written }

    /// A write did not fit the caller's buffer (`init(into:)` only).
    public var overflowed: Bool { overflow }

    /// What was written.
    public var bytes: [UInt8] {
        if target != 0 {
            return Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: target), count: written))
        }
        return written == storage.count ? storage : Array(storage[0..<written])
    }

    @inlinable public mutating func write<T: FixedWidthInteger>(_ value: T) { store(value) }

    // Concrete overloads: callers in other modules resolve to these instead of the unspecialized
    // generic (which went through FixedWidthInteger's witness table for every field).
    @inlinable public mutating func write(_ value: UInt8) { store(value) }
    @inlinable public mutating func write(_ value: UInt16) { store(value) }
    @inlinable public mutating func write(_ value: UInt32) { store(value) }
    @inlinable public mutating func write(_ value: UInt64) { store(value) }
    @inlinable public mutating func write(_ value: Int32) { store(value) }
    @inlinable public mutating func write(_ value: Int64) { store(value) }

    public mutating func write(bytes more: some Sequence<UInt8>) {
        for byte in more { store(byte) }
    }

    public mutating func write(bytes more: [UInt8]) {
        if target != 0 {
            guard more.count <= capacity - written else { overflow = true; return }
            more.withUnsafeBytes { src in
                guard let from = src.baseAddress, src.count > 0 else { return }
                (UnsafeMutableRawPointer(bitPattern: target)! + written).copyMemory(from: from, byteCount: src.count)
            }
            written += more.count
            return
        }
        reserve(more.count)
        storage.withUnsafeMutableBytes { dst in
            more.withUnsafeBytes { src in
                guard let to = dst.baseAddress, let from = src.baseAddress, src.count > 0 else { return }
                (to + written).copyMemory(from: from, byteCount: src.count)
            }
        }
        written += more.count
    }

    @inlinable
    public mutating func writeZeros(_ count: Int) {
        let n = max(count, 0)
        if target != 0 {
            guard n <= capacity - written else { overflow = true; return }
            // Guest memory holds whatever was there: padding is stored like any field.
            (UnsafeMutableRawPointer(bitPattern: target).unsafelyUnwrapped + written).initializeMemory(
                as: UInt8.self, repeating: 0, count: n)
            written += n
            return
        }
        reserve(n)
        // Storage beyond `count` is always zero: nothing to store.
        written += n
    }

    /// Pads with zeros to a multiple of `alignment` (FUSE dirents align to 8).
    public mutating func align(to alignment: Int) {
        let rem = written % alignment
        if rem != 0 { writeZeros(alignment - rem) }
    }

    @inlinable @inline(__always)
    mutating func store<T: FixedWidthInteger>(_ value: T) {
        let n = MemoryLayout<T>.size
        if target != 0 {
            guard n <= capacity - written else { overflow = true; return }
            UnsafeMutableRawPointer(bitPattern: target).unsafelyUnwrapped.storeBytes(
                of: value.littleEndian, toByteOffset: written, as: T.self)
            written += n
            return
        }
        reserve(n)
        let at = written
        storage.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: at, as: T.self) }
        written += n
    }

    /// Makes room for `n` more bytes: zero-filled storage up to `capacity` at first, then doubling.
    @inlinable @inline(__always)
    mutating func reserve(_ n: Int) {
        guard written + n > storage.count else { return }
        grow(n)
    }

    @usableFromInline
    mutating func grow(_ n: Int) {
        let target = max(written + n, storage.isEmpty ? capacity : storage.count * 2)
        storage.append(contentsOf: repeatElement(0, count: target - storage.count))
    }
}
