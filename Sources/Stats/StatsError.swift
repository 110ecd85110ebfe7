/// The one error of the Stats module: computations that need data that is not there.
public struct StatsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable { case empty, nonFinite, zeroBaseline }
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
