import Foundation
import Harness
import Matrix

/// The daemon binaries a run uses, and how a cell turns into a daemon command line. straitd and
/// the C virtiofsd get libvirt 9.0's option style; the Rust virtiofsd its own long options.
public struct DaemonBinaries: Sendable, Hashable {
    public var straitd: String
    public var virtiofsdC: String
    public var virtiofsdRust: String

    public static let rustDefault = "/opt/virtiofs-peers/rust/virtiofsd"

    public init(straitd: String, virtiofsdC: String = DaemonSpec.cVirtiofsdPath,
                virtiofsdRust: String = DaemonBinaries.rustDefault) {
        self.straitd = straitd
        self.virtiofsdC = virtiofsdC
        self.virtiofsdRust = virtiofsdRust
    }

    /// The daemon for a virtio-fs cell (nil for 9p and sshfs, which have none of ours).
    public func spec(for cell: Cell) -> DaemonSpec? {
        let extra = cell.options + cell.processingArguments
        switch cell.backend {
        case .straitd:
            return DaemonSpec(name: "straitd", argv: [straitd, "--socket-path={socket}", "-o", "source={dir},cache={cache},xattr"] + extra)
        case .virtiofsdC:
            return DaemonSpec(name: "virtiofsd-c", argv: [virtiofsdC, "--socket-path={socket}", "-o", "source={dir},cache={cache},xattr"] + extra)
        case .virtiofsdRust:
            return DaemonSpec(name: "virtiofsd-rust", argv: [virtiofsdRust, "--socket-path={socket}", "--shared-dir={dir}",
                                                             "--cache={cache}", "--xattr"] + extra)
        case .ninep, .sshfs:
            return nil
        }
    }

    /// The cache value to put on the daemon's command line: the Rust daemon calls none `never`.
    public static func daemonCache(for cell: Cell) -> String {
        cell.backend == .virtiofsdRust && cell.cache == "none" ? "never" : cell.cache
    }

    /// Why a cell's daemon cannot run here, or nil.
    public func missing(for cell: Cell) -> String? {
        guard let exe = spec(for: cell)?.executable else { return nil }
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            let hint = cell.backend == .straitd ? "build it or pass --straitd" : "run ../shared/peers/install-peers.sh"
            return "\(cell.backend.rawValue) binary \(exe) is not executable (\(hint))"
        }
        return nil
    }
}

/// Reads a running process's argv from /proc, as the configuration check needs it.
enum ProcessArgv {
    static func of(pid: Int32) -> [String]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        return data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }
}
