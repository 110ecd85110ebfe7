/// A command line straitd refuses. Both reference daemons print one line and exit non-zero;
/// straitd always exits 2 for these, so a caller can tell "bad invocation" from a runtime failure.
public struct OptionsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// An option neither reference daemon nor straitd knows.
        case unknownOption
        /// An option that needs a value came without one, or a flag came with one.
        case missingValue
        /// A value outside what the option accepts (cache=bogus, a negative count).
        case invalidValue
        /// Two options that cannot both hold (--fd with --socket-path, two different shared dirs).
        case conflict
        /// Something required is absent (no shared directory, no socket).
        case missingRequired
        /// Known, but straitd does not implement it and ignoring it would change what the user asked for.
        case unsupported
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The exit status for every command-line error.
    public static let exitStatus: Int32 = 2

    public var description: String { message }
}
