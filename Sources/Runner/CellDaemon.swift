import DaemonLaunch
import Foundation
import Matrix

/// The daemon binaries a run uses, and how a cell turns into a daemon command line (each kind's
/// one template is `DaemonKind.command`).
public struct DaemonBinaries: Sendable, Hashable {
    public var straitd: String
    public var virtiofsdC: String
    public var virtiofsdRust: String

    public static let rustDefault = DaemonKind.rustVirtiofsdPath

    public init(straitd: String, virtiofsdC: String = DaemonKind.cVirtiofsdPath,
                virtiofsdRust: String = DaemonBinaries.rustDefault) {
        self.straitd = straitd
        self.virtiofsdC = virtiofsdC
        self.virtiofsdRust = virtiofsdRust
    }

    /// The daemon for a virtio-fs cell (nil for 9p and sshfs, which have none of ours).
    public func command(for cell: Cell) -> DaemonCommandLine? {
        let extra = cell.options + cell.processingArguments
        switch cell.backend {
        case .straitd: return DaemonKind.straitd.command(binary: straitd, extra: extra)
        case .virtiofsdC: return DaemonKind.virtiofsdC.command(binary: virtiofsdC, extra: extra)
        case .virtiofsdRust: return DaemonKind.virtiofsdRust.command(binary: virtiofsdRust, extra: extra)
        case .ninep, .sshfs, .native: return nil
        }
    }

    /// The cache value to put on the daemon's command line: the Rust daemon calls none `never`.
    public static func daemonCache(for cell: Cell) -> String {
        cell.backend == .virtiofsdRust ? DaemonKind.virtiofsdRust.cacheArgument(cell.cache) : cell.cache
    }

    /// Why a cell's daemon cannot run here, or nil.
    public func missing(for cell: Cell) -> String? {
        guard let exe = command(for: cell)?.executable else { return nil }
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            let hint = cell.backend == .straitd ? "build it or pass --straitd" : "run scripts/install-peers.sh"
            return "\(cell.backend.rawValue) binary \(exe) is not executable (\(hint))"
        }
        return nil
    }
}
