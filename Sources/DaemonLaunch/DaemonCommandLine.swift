/// A vhost-user-fs daemon's command line with placeholders: `{socket}`, `{dir}` and `{cache}` are
/// filled in per share, so straitd, the C and the Rust virtiofsd (or any other daemon, given as
/// "NAME=COMMAND") all fit. The harness, strait-load and the frontend's tests take this one type.
public struct DaemonCommandLine: Sendable, Hashable {
    public var name: String
    public var arguments: [String]

    public init(name: String, arguments: [String]) {
        self.name = name
        self.arguments = arguments
    }

    /// The pseudo-daemon `host` (strait-load measures the host file system through it).
    public var isHost: Bool { arguments.isEmpty }

    public var executable: String? { arguments.first }

    /// The argv with placeholders filled in.
    public func expanded(socket: String, dir: String, cache: String = "auto") -> [String] {
        arguments.map {
            $0.replacingAll("{socket}", with: socket).replacingAll("{dir}", with: dir).replacingAll("{cache}", with: cache)
        }
    }

    /// The same command with more arguments at the end.
    public func appending(_ extra: [String]) -> DaemonCommandLine {
        DaemonCommandLine(name: name, arguments: arguments + extra)
    }
}

/// The daemons strait knows, each with its one command-line template.
public enum DaemonKind: String, Sendable, CaseIterable {
    case straitd
    case virtiofsdC = "virtiofsd-c"
    case virtiofsdRust = "virtiofsd-rust"

    /// QEMU 7.2's C virtiofsd as scripts/install-peers.sh installs it.
    public static let cVirtiofsdPath = "/opt/virtiofs-peers/c/usr/lib/qemu/virtiofsd"
    /// The Rust virtiofsd as install-peers.sh installs it.
    public static let rustVirtiofsdPath = "/opt/virtiofs-peers/rust/virtiofsd"

    /// straitd and the C virtiofsd get libvirt 9.0's option style; the Rust virtiofsd its own
    /// long options. `extra` goes at the end (cell options, processing modes).
    public func command(binary: String, extra: [String] = []) -> DaemonCommandLine {
        switch self {
        case .straitd, .virtiofsdC:
            return DaemonCommandLine(name: rawValue, arguments: [binary, "--socket-path={socket}", "-o",
                                                             "source={dir},cache={cache},xattr"] + extra)
        case .virtiofsdRust:
            return DaemonCommandLine(name: rawValue, arguments: [binary, "--socket-path={socket}", "--shared-dir={dir}",
                                                             "--cache={cache}", "--xattr"] + extra)
        }
    }

    /// The cache value for this daemon's command line: the Rust daemon calls none `never`.
    public func cacheArgument(_ cache: String) -> String {
        self == .virtiofsdRust && cache == "none" ? "never" : cache
    }
}
