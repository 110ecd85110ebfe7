import Glibc

/// The one error type of the vhost-user layer: a code, a message and, where a syscall failed, its errno.
public struct VhostUserError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The peer sent something the protocol does not allow.
        case protocolViolation
        /// The peer closed the connection.
        case disconnected
        /// A guest address or length falls outside the memory regions.
        case badAddress
        /// A descriptor chain is malformed (loop, bad index, bad direction, too long).
        case badDescriptor
        /// A system call failed.
        case system
        /// The frontend refused or could not do what the backend asked.
        case rejected
    }

    public let code: Code
    public let message: String
    public let errno: Int32?

    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// A failed syscall, with `strerror` in the message.
    public static func system(_ what: String, errno: Int32 = Glibc.errno) -> VhostUserError {
        VhostUserError(.system, "\(what): \(String(cString: strerror(errno)))", errno: errno)
    }

    public var description: String { message }
}
