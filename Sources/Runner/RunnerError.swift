/// Why a matrix run could not go on (a cell's own failure is a verdict, not an error): the step,
/// what happened, and the underlying error (kept as a value, printed once, after the message).
public struct RunnerError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case prerequisite, matrix, build, vm, results, io
    }
    public let code: Code
    public let message: String
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The message followed by its cause (without the code).
    public var detail: String { message + (cause.map { ": \($0)" } ?? "") }

    public var description: String { "\(code): \(detail)" }
}
