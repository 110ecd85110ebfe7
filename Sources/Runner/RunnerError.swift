import Posix

/// Why a matrix run could not go on (a cell's own failure is a verdict, not an error).
public typealias RunnerError = Failure<RunnerFailure>

public enum RunnerFailure: FailureCode {
    case prerequisite, matrix, build, vm, results, io
    public static let subject = ""
}
