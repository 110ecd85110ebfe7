/// What a cache mode means on the wire: entry/attr timeouts for replies and the FOPEN_* flags
/// for open and opendir, as virtiofsd derives them.
public struct CachePolicy: Sendable, Equatable {
    public var entryTimeout: Double
    public var attrTimeout: Double
    /// FOPEN_KEEP_CACHE on open: the guest keeps its page cache across opens.
    public var keepCache: Bool
    /// FOPEN_DIRECT_IO on open: reads and writes bypass the guest page cache.
    public var directIO: Bool
    /// FOPEN_CACHE_DIR on opendir: the guest may cache directory contents.
    public var cacheDir: Bool

    public init(entryTimeout: Double, attrTimeout: Double, keepCache: Bool, directIO: Bool,
                cacheDir: Bool) {
        self.entryTimeout = entryTimeout
        self.attrTimeout = attrTimeout
        self.keepCache = keepCache
        self.directIO = directIO
        self.cacheDir = cacheDir
    }

    /// none: 0 s + direct I/O; auto: 1 s, revalidate data on open; always: 86400 s + keep cache;
    /// metadata: 86400 s + direct I/O. `timeout` replaces both timeouts when given.
    public init(mode: CacheMode, timeout: Double? = nil) {
        let base: Double
        switch mode {
        case .none:
            base = 0
            (keepCache, directIO, cacheDir) = (false, true, false)
        case .auto:
            base = 1
            (keepCache, directIO, cacheDir) = (false, false, false)
        case .always:
            base = 86400
            (keepCache, directIO, cacheDir) = (true, false, true)
        case .metadata:
            base = 86400
            (keepCache, directIO, cacheDir) = (false, true, false)
        }
        let t = timeout.map { max(0, $0) } ?? base
        entryTimeout = t
        attrTimeout = t
    }
}
