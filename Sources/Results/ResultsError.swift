/// The one error of the Results module: file and database failures, with the path or table.
public struct ResultsError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable { case io, encoding, decoding, schema, database }
    public var code: Code
    public var message: String
    public var path: String?
    /// The underlying error (a system call's errno, GRDB's error), kept as a value.
    public var cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, path: String? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.cause = cause
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let path { text += " (\(path))" }
        if let cause { text += ": \(cause)" }
        return text
    }
}
