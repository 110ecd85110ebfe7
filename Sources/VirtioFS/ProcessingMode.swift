/// Answers requests taken off a virtqueue (the FUSE dispatcher in straitd).
public protocol RequestHandler: AnyObject, Sendable {
    /// Handles one request and calls `complete(bytesWritten)` exactly once, possibly later on
    /// another thread (a blocking lock wait must not hold up the queue).
    func handle(_ buffers: RequestBuffers, complete: @escaping @Sendable (UInt32) -> Void)

    /// The queue workers' path: handles the request on the calling thread and returns the bytes
    /// written, or nil when the completion obtained from `later` (called at most once) is or
    /// will be called instead. A handler that answers at once never calls `later`, so the
    /// common case allocates no completion closure.
    func handleNow(_ buffers: RequestBuffers, later: () -> @Sendable (UInt32) -> Void) -> UInt32?

    /// Ends every request of `queue` still waiting to be answered later (with an error reply),
    /// before the queue stops: nothing may complete into a ring the frontend has taken back.
    func cancelWaiting(queue: Int)

    /// The frontend reset the device or went away: it dropped every DAX map it held.
    func transportReset()
}

extension RequestHandler {
    public func cancelWaiting(queue: Int) {}
    public func transportReset() {}

    public func handleNow(_ buffers: RequestBuffers, later: () -> @Sendable (UInt32) -> Void) -> UInt32? {
        handle(buffers, complete: later())
        return nil
    }
}

/// How requests are processed once taken off a queue (the 2021 virtio-fs experiments).
public enum ProcessingMode: Sendable, Equatable, CustomStringConvertible {
    /// On the queue's own thread: lowest latency at low depth.
    case inline
    /// On a pool of `threads` workers: parallelism at high depth.
    case pool(threads: Int)
    /// Inline while the queue's pending depth is at or below `threshold`, the pool above it.
    case auto(threads: Int, threshold: Int)

    public var description: String {
        switch self {
        case .inline: "inline"
        case .pool(let n): "pool(\(n))"
        case .auto(let n, let t): "auto(pool \(n), threshold \(t))"
        }
    }
}
