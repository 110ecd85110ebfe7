import Glibc

/// A file descriptor that closes itself: every fd the daemon receives or opens has exactly one owner.
public final class OwnedFD: Sendable {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    deinit { if rawValue >= 0 { close(rawValue) } }
}
