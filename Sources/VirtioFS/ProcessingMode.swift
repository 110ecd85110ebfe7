/// Answers requests taken off a virtqueue (the FUSE dispatcher in straitd).
public protocol RequestHandler: AnyObject, Sendable {
    /// Handles one request and calls `complete(bytesWritten)` exactly once, possibly later on
    /// another thread (a blocking lock wait must not hold up the queue).
    func handle(_ buffers: RequestBuffers, complete: @escaping @Sendable (UInt32) -> Void)
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
