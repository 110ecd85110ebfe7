import Posix

/// Why an image could not be built or found: the step, what happened, the underlying error.
public typealias ImageError = Failure<ImageFailure>

public enum ImageFailure: FailureCode {
    case recipe, resolve, bootstrap, guestfs, command, io, verify
    public static let subject = "image"
}
