/// The one error of the Matrix module. It names the file, line, column and field so a person can
/// fix a matrix without guessing; fio output problems reuse it with `field` naming the JSON key.
public struct MatrixError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case syntax, missingField, unknownField, wrongType, invalidValue, emptyAxis, duplicateKey
        case badFilter, fioOutput, io
    }

    public var code: Code
    public var message: String
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var field: String?

    public init(
        _ code: Code, _ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
        field: String? = nil
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
    }

    /// `file:line:column: field: message`, the shape compilers use so editors can jump to it.
    public var description: String {
        var location = file ?? "<matrix>"
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        if let field { return "\(location): \(field): \(message)" }
        return "\(location): \(message)"
    }
}
