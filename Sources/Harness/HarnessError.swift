/// Why a harness step failed: which step, what happened, and where the evidence is kept.
public struct HarnessError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case prerequisite, daemon, boot, ssh, guest, sweep, io
    }
    public let code: Code
    public let message: String
    /// The failure bundle (console log, domain XML, QEMU log, daemon logs), when one was kept.
    public let bundle: String?

    public init(_ code: Code, _ message: String, bundle: String? = nil) {
        self.code = code
        self.message = message
        self.bundle = bundle
    }

    public var description: String {
        "\(code): \(message)" + (bundle.map { " (failure bundle: \($0))" } ?? "")
    }
}
