import Glibc

/// The one error type of the frontend: a code, a message, where a syscall or the daemon reported
/// one, an errno, and the error it wraps, if any.
public struct DriverError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The daemon's socket never appeared or refused the connection.
        case connect
        /// Feature or queue negotiation failed (the daemon lacks something we need).
        case negotiation
        /// The daemon sent something the vhost-user or FUSE protocol does not allow.
        case protocolViolation
        /// Guest memory could not be created or an address fell outside it.
        case memory
        /// The daemon answered a FUSE request with an error (errno holds it, positive).
        case fuse
        /// A deadline passed.
        case timeout
        /// The daemon process failed to start or died.
        case daemon
        /// A system call failed.
        case system
        /// The connection is gone.
        case disconnected
    }

    public let code: Code
    public let message: String
    public let errno: Int32?
    /// The error this one wraps (a spawn failure, a thread that could not start), kept as a value.
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, errno: Int32? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
        self.cause = cause
    }

    /// A failed syscall, with `strerror` in the message.
    public static func system(_ what: String, errno: Int32 = Glibc.errno) -> DriverError {
        DriverError(.system, "\(what): \(String(cString: strerror(errno)))", errno: errno)
    }

    public var description: String { message + (cause.map { ": \($0)" } ?? "") }
}
