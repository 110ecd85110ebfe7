import DaemonLaunch
import Foundation
import GuestImage

/// The commit and configuration a straitd binary was built from. The binary is asked first
/// (`straitd --version` prints what scripts/build-commit.sh recorded at build time), so a binary
/// copied elsewhere, or one whose checkout has moved on since, still names its own build; a binary
/// from before that stamp falls back to a `.strait-commit` beside it or the git checkout it sits
/// in, which is only right while that checkout has not moved.
public enum GitInfo {
    public struct Build: Sendable, Hashable {
        /// Twelve hex digits, `-dirty` when the tree differed from that commit.
        public var commit: String?
        /// `debug` or `release`; only the binary itself can say, so nil when it does not.
        public var configuration: String?
    }

    public static func sha(forBinary path: String) -> String? { build(ofBinary: path).commit }

    public static func build(ofBinary path: String) -> Build {
        let stamp = stamp(ofBinary: path)
        return Build(commit: stamp?.commit ?? sha(besideBinary: path), configuration: stamp?.configuration?.rawValue)
    }

    /// What `path --version` says of its build; nil when it does not run or exit 0 within 10 s.
    public static func stamp(ofBinary path: String) -> BuildStamp? {
        guard FileManager.default.isExecutableFile(atPath: path),
              let result = try? HostCommand(path, ["--version"]).run(timeout: 10), result.succeeded, !result.timedOut
        else { return nil }
        return BuildStamp(versionOutput: result.output)
    }

    /// The commit of where the binary lies: the nearest `.git` (a SwiftPM build directory inside
    /// a checkout, `-dirty` when tracked files differ) or `.strait-commit` (an export) above it.
    public static func sha(besideBinary path: String) -> String? {
        var dir = URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.path + "/.git") { return sha(repo: dir.path) }
            if FileManager.default.fileExists(atPath: dir.path + "/.strait-commit"),
               let text = FileManager.default.contents(atPath: dir.path + "/.strait-commit") {
                return String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    public static func sha(repo: String) -> String? {
        guard let head = try? HostCommand("git", ["-C", repo, "rev-parse", "--short=12", "HEAD"]).check(timeout: 30)
            .trimmingCharacters(in: .whitespacesAndNewlines), !head.isEmpty else { return nil }
        let status = (try? HostCommand("git", ["-C", repo, "status", "--porcelain", "--untracked-files=no"]).check(timeout: 30)) ?? ""
        return status.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? head : head + "-dirty"
    }
}
