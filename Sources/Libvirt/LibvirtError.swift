/// Why a libvirt call failed: which call, and libvirt's own last-error message.
public struct LibvirtError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case connect, define, lookup, lifecycle, query, invalidConfig
    }
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "libvirt \(code): \(message)" }
}
