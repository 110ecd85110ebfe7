import FUSE
import Glibc
import Passthrough

/// One request's guest buffers, already translated and bounds-checked by the transport.
/// The pointers stay valid until the dispatcher calls `complete` (the transport holds the chain).
/// @unchecked: raw buffer pointers into guest memory are not Sendable to the compiler; the chain
/// that owns the mapping travels with them, and one thread handles a request at a time.
public struct RequestBuffers: @unchecked Sendable {
    /// Driver -> device: in header, arguments, write payload (the Linux driver puts the header
    /// and each argument in descriptors of their own).
    public var readable: [UnsafeRawBufferPointer]
    /// Device -> driver: out header and reply.
    public var writable: [UnsafeMutableRawBufferPointer]
    /// The virtqueue the request came on: a request answered later (a waiting SETLKW) is ended
    /// when that queue stops (`RequestHandler.cancelWaiting(queue:)`).
    public var queue: Int
    /// Where header + arguments are copied, kept by the thread that handles the request so that
    /// the copy allocates nothing (nil: a new array per request).
    public var scratch: ArgumentScratch?

    public init(readable: [UnsafeRawBufferPointer], writable: [UnsafeMutableRawBufferPointer], queue: Int = 0,
                scratch: ArgumentScratch? = nil) {
        self.readable = readable
        self.writable = writable
        self.queue = queue
        self.scratch = scratch
    }

    public var readableCount: Int { readable.reduce(0) { $0 + $1.count } }
    public var writableCount: Int { writable.reduce(0) { $0 + $1.count } }

    /// The little-endian UInt32 at logical offset `at` of the readable segments (in-header
    /// fields, peeked before the one copy of header + arguments); nil past their end.
    func loadU32(at start: Int) -> UInt32? {
        if let first = readable.first, start >= 0, first.count >= start + 4 {
            return UInt32(littleEndian: first.loadUnaligned(fromByteOffset: start, as: UInt32.self))
        }
        guard let bytes = gather(from: start, count: 4) else { return nil }
        return UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }

    /// Writes the FUSE out header (len, error, unique; 16 bytes, little-endian) at the start of
    /// the writable segments, straight into the first one when it is large enough (it always is
    /// with the Linux driver); false when they hold fewer than 16 bytes.
    @discardableResult
    func storeOutHeader(len: UInt32, error: Int32, unique: UInt64) -> Bool {
        if let first = writable.first, first.count >= 16 {
            first.storeBytes(of: len.littleEndian, toByteOffset: 0, as: UInt32.self)
            first.storeBytes(of: error.littleEndian, toByteOffset: 4, as: Int32.self)
            first.storeBytes(of: unique.littleEndian, toByteOffset: 8, as: UInt64.self)
            return true
        }
        var w = ByteWriter(capacity: 16)
        w.write(len)
        w.write(error)
        w.write(unique)
        return scatter(w.bytes, at: 0)
    }

    /// Copies `count` bytes starting at logical offset `from` of the readable segments;
    /// nil when they do not hold that many.
    func gather(from start: Int, count: Int) -> [UInt8]? {
        guard start >= 0, count >= 0 else { return nil }
        if let scratch, count <= ArgumentScratch.capacity {
            return gather(from: start, count: count, into: &scratch.bytes)
        }
        var out = [UInt8]()
        out.reserveCapacity(count)
        return gather(from: start, count: count, into: &out)
    }

    /// `gather` into `out` (emptied first, its capacity kept); the result shares its storage.
    private func gather(from start: Int, count: Int, into out: inout [UInt8]) -> [UInt8]? {
        out.removeAll(keepingCapacity: true)
        var skip = start
        for segment in readable where out.count < count {
            if skip >= segment.count {
                skip -= segment.count
                continue
            }
            let take = min(segment.count - skip, count - out.count)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: segment[skip..<skip + take]))
            skip = 0
        }
        return out.count == count ? out : nil
    }

    /// Runs `body` on iovecs covering `count` bytes at logical offset `start` of the readable
    /// segments (WRITE payload, handed to pwritev without a copy); nil when they are too short.
    func withReadableIovecs<R>(from start: Int, count: Int,
                               _ body: (UnsafeBufferPointer<iovec>) throws(FSError) -> R) throws(FSError) -> R?
    {
        try Self.withIovecs(readable.count, { UnsafeMutableRawPointer(mutating: readable[$0].baseAddress) },
                            { readable[$0].count }, from: start, count: count, body)
    }

    /// Runs `body` on iovecs covering `count` bytes at logical offset `start` of the writable
    /// segments (READ data lands there straight from preadv); nil when they are too short.
    func withWritableIovecs<R>(from start: Int, count: Int,
                               _ body: (UnsafeBufferPointer<iovec>) throws(FSError) -> R) throws(FSError) -> R?
    {
        try Self.withIovecs(writable.count, { writable[$0].baseAddress }, { writable[$0].count },
                            from: start, count: count, body)
    }

    /// The iovecs live in a temporary allocation (on the stack for the usual handful), not in a
    /// new array per request.
    private static func withIovecs<R>(
        _ segments: Int, _ base: (Int) -> UnsafeMutableRawPointer?, _ length: (Int) -> Int,
        from start: Int, count: Int, _ body: (UnsafeBufferPointer<iovec>) throws(FSError) -> R
    ) throws(FSError) -> R? {
        guard start >= 0, count >= 0 else { return nil }
        let result: Result<R, FSError>? = withUnsafeTemporaryAllocation(of: iovec.self, capacity: max(segments, 1)) { out in
            var used = 0
            var skip = start
            var left = count
            for i in 0..<segments where left > 0 {
                let size = length(i)
                if skip >= size {
                    skip -= size
                    continue
                }
                let take = min(size - skip, left)
                guard let b = base(i) else { continue }
                out[used] = iovec(iov_base: b + skip, iov_len: take)
                used += 1
                left -= take
                skip = 0
            }
            guard left == 0 else { return nil }
            do throws(FSError) {
                return .success(try body(UnsafeBufferPointer(rebasing: out[0..<used])))
            } catch {
                return .failure(error)
            }
        }
        return try result?.get()
    }

    /// The writable bytes [start, start + count) when they lie in one segment; nil otherwise.
    func contiguousWritable(at start: Int, count: Int) -> UnsafeMutableRawBufferPointer? {
        guard start >= 0, count > 0 else { return nil }
        var skip = start
        for segment in writable {
            if skip >= segment.count {
                skip -= segment.count
                continue
            }
            guard segment.count - skip >= count else { return nil }
            return UnsafeMutableRawBufferPointer(rebasing: segment[skip..<skip + count])
        }
        return nil
    }

    /// Scatters `bytes` into the writable segments at logical offset `start`; false when they
    /// do not fit.
    @discardableResult
    func scatter(_ bytes: [UInt8], at start: Int) -> Bool {
        guard start >= 0, start + bytes.count <= writableCount else { return false }
        var skip = start
        var done = 0
        for segment in writable where done < bytes.count {
            if skip >= segment.count {
                skip -= segment.count
                continue
            }
            let take = min(segment.count - skip, bytes.count - done)
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(rebasing: segment[skip..<skip + take])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: src[done..<done + take]))
            }
            done += take
            skip = 0
        }
        return true
    }
}

/// A thread's reusable copy of a request's header + arguments. The array handed to the
/// dispatcher shares this storage; once the request is done the next one writes over it in
/// place (while an earlier copy is still referenced, emptying it copies on write instead).
/// @unchecked: used by the one thread that owns it (a queue thread), never shared.
public final class ArgumentScratch: @unchecked Sendable {
    /// Larger copies (xattr values, long symlink targets) get an array of their own, so that a
    /// rare big request does not keep its size resident.
    static let capacity = 4096
    var bytes: [UInt8] = []

    public init() { bytes.reserveCapacity(256) }
}

/// The DAX window of the device, when the frontend offers one (implemented by the transport
/// through the backend-request channel).
public protocol DaxWindow: Sendable {
    /// The window's size when the transport knows it (else the frontend checks the bounds).
    var size: UInt64? { get }
    func map(fd: Int32, fileOffset: UInt64, windowOffset: UInt64, length: UInt64, writable: Bool) throws(FSError)
    func unmap(windowOffset: UInt64, length: UInt64) throws(FSError)
}
