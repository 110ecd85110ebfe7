import CShims
import Glibc

/// The one error type of the host file system: an errno for the guest plus a message for logs.
public struct FSError: Error, Sendable, Equatable, CustomStringConvertible {
    public let errno: Int32
    public let message: String

    public init(errno: Int32, message: String) {
        self.errno = errno
        self.message = message
    }

    public var description: String {
        "\(message): \(String(cString: strerror(errno))) (errno \(errno))"
    }

    /// The calling thread's errno after a failed call. Running out of descriptors in this
    /// process (EMFILE) is reported as ENFILE: the guest cannot act on our per-process limit.
    static func last(_ message: @autoclosure () -> String) -> FSError {
        let code = Glibc.errno
        return FSError(errno: code == EMFILE ? ENFILE : code, message: message())
    }

    static func invalid(_ message: String) -> FSError { FSError(errno: EINVAL, message: message) }
    static func badNode(_ node: UInt64) -> FSError { FSError(errno: EBADF, message: "unknown node \(node)") }
    static func badHandle(_ handle: UInt64) -> FSError {
        FSError(errno: EBADF, message: "unknown handle \(handle)")
    }
}

/// The funnel every syscall goes through: -1 becomes an FSError, EINTR is retried.
@inline(__always)
func sys<T: BinaryInteger>(_ what: @autoclosure () -> String, _ call: () -> T) throws(FSError) -> T {
    while true {
        let result = call()
        if result != -1 { return result }
        if Glibc.errno == EINTR { continue }
        throw FSError.last(what())
    }
}

/// Like `sys`, for calls returning a new descriptor that the caller then owns.
@inline(__always)
func sysFD(_ what: @autoclosure () -> String, _ call: () -> Int32) throws(FSError) -> FileDescriptor {
    FileDescriptor(try sys(what(), call))
}
