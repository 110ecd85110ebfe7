/// What a module's failures are about: its codes, and the word its errors start with.
public protocol FailureCode: Sendable, Equatable {
    /// Printed before the code ("image", "libvirt"); empty for none.
    static var subject: String { get }
}

/// The one error shape of the harness wing: what failed (a code), what happened (a message), and
/// the error underneath kept as a value, not as its text. Printed once, at the top, as
/// `[subject ]code: message: cause`, where the cause prints its own chain the same way.
public struct Failure<Code: FailureCode>: Error, Sendable, Equatable, CustomStringConvertible {
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

    public var description: String {
        (Code.subject.isEmpty ? "" : Code.subject + " ") + "\(code): \(detail)"
    }

    /// Same code, message and (printed) cause.
    public static func == (a: Failure, b: Failure) -> Bool {
        a.code == b.code && a.message == b.message && a.cause.map { "\($0)" } == b.cause.map { "\($0)" }
    }
}
