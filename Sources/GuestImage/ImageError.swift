/// Why an image could not be built or found: the step, and what the tool or library said.
public struct ImageError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case recipe, resolve, bootstrap, guestfs, command, io, verify
    }
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "image \(code): \(message)" }
}
