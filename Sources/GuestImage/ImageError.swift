/// Why an image could not be built or found: the step, what happened, and the underlying error
/// (kept as a value, printed once, after the message).
public struct ImageError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case recipe, resolve, bootstrap, guestfs, command, io, verify
    }
    public let code: Code
    public let message: String
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { "image \(code): \(message)" + (cause.map { ": \($0)" } ?? "") }
}
