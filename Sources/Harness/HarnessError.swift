/// Why a harness step failed: which step, what happened, the underlying error (kept as a value,
/// printed once, at the end) and where the evidence is kept.
public struct HarnessError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case prerequisite, daemon, boot, ssh, guest, sweep, io
    }
    public let code: Code
    public let message: String
    /// The error this one wraps, if any.
    public let cause: (any Error & Sendable)?
    /// The failure bundle (console log, domain XML, QEMU log, daemon logs), when one was kept.
    public let bundle: String?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil, bundle: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
        self.bundle = bundle
    }

    /// The message followed by its cause (without the code and bundle).
    public var detail: String { message + (cause.map { ": \($0)" } ?? "") }

    public var description: String {
        "\(code): \(detail)" + (bundle.map { " (failure bundle: \($0))" } ?? "")
    }
}
