import Glibc

/// A failed system call: which call (and on what), and the errno it left. The errno is the
/// cause; the text is derived from it when printed, never stored in its place.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    public init(_ call: String, errno: Int32 = Glibc.errno) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}
