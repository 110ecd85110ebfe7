import Posix

/// The one error of the Stats module: computations that need data that is not there.
public typealias StatsError = Failure<StatsFailure>

public enum StatsFailure: String, FailureCode {
    case empty, nonFinite, zeroBaseline
    public static let subject = ""
}
