import Posix

/// Why a libvirt call failed: which call, and libvirt's own last-error message.
public typealias LibvirtError = Failure<LibvirtFailure>

public enum LibvirtFailure: FailureCode {
    case connect, define, lookup, lifecycle, query, invalidConfig
    public static let subject = "libvirt"
}
