/// Why a matrix run could not go on (a cell's own failure is a verdict, not an error).
public struct RunnerError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case prerequisite, matrix, build, vm, results, io
    }
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
