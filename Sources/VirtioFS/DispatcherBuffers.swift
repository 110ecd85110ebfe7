import Glibc
import Passthrough

/// One request's guest buffers, already translated and bounds-checked by the transport.
/// The pointers stay valid until the dispatcher calls `complete` (the transport holds the chain).
public struct RequestBuffers: @unchecked Sendable {
    /// Driver -> device: in header, arguments, write payload (the Linux driver puts the header
    /// and each argument in descriptors of their own).
    public var readable: [UnsafeRawBufferPointer]
    /// Device -> driver: out header and reply.
    public var writable: [UnsafeMutableRawBufferPointer]

    public init(readable: [UnsafeRawBufferPointer], writable: [UnsafeMutableRawBufferPointer]) {
        self.readable = readable
        self.writable = writable
    }

    public var readableCount: Int { readable.reduce(0) { $0 + $1.count } }
    public var writableCount: Int { writable.reduce(0) { $0 + $1.count } }

    /// Copies `count` bytes starting at logical offset `from` of the readable segments;
    /// nil when they do not hold that many.
    func gather(from start: Int, count: Int) -> [UInt8]? {
        guard start >= 0, count >= 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(count)
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

    /// iovecs covering `count` bytes at logical offset `start` of the readable segments (WRITE
    /// payload, handed to pwritev without a copy); nil when the segments are too short.
    func readableIovecs(from start: Int, count: Int) -> [iovec]? {
        Self.iovecs(readable.map { UnsafeMutableRawBufferPointer(mutating: $0) }, from: start, count: count)
    }

    /// iovecs covering `count` bytes at logical offset `start` of the writable segments (READ
    /// data lands there straight from preadv).
    func writableIovecs(from start: Int, count: Int) -> [iovec]? {
        Self.iovecs(writable, from: start, count: count)
    }

    private static func iovecs(_ segments: [UnsafeMutableRawBufferPointer], from start: Int, count: Int) -> [iovec]? {
        guard start >= 0, count >= 0 else { return nil }
        var out: [iovec] = []
        var skip = start
        var left = count
        for segment in segments where left > 0 {
            if skip >= segment.count {
                skip -= segment.count
                continue
            }
            let take = min(segment.count - skip, left)
            guard let base = segment.baseAddress else { continue }
            out.append(iovec(iov_base: base + skip, iov_len: take))
            left -= take
            skip = 0
        }
        return left == 0 ? out : nil
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

/// The DAX window of the device, when the frontend offers one (implemented by the transport
/// through the backend-request channel).
public protocol DaxWindow: Sendable {
    /// The window's size when the transport knows it (else the frontend checks the bounds).
    var size: UInt64? { get }
    func map(fd: Int32, fileOffset: UInt64, windowOffset: UInt64, length: UInt64, writable: Bool) throws(FSError)
    func unmap(windowOffset: UInt64, length: UInt64) throws(FSError)
}
