import Foundation
import GuestImage

/// `strait gate --baseline X --candidate Y`: X and Y are straitd binaries or git refs. A ref is
/// exported (git archive, so the repository gains no worktree) into a build directory keyed by
/// its commit and built there; a second gate on the same commit reuses the build.
public enum DaemonSource {
    public static var buildRoot: String {
        ProcessInfo.processInfo.environment["STRAIT_GATE_BUILDS"] ?? "/tmp/strait-gate-builds"
    }

    /// The binary and its commit. `repo` is the git repository refs are resolved in.
    public static func resolve(_ reference: String, repo: String, configuration: String = "release",
                               log: @Sendable (String) -> Void) throws(RunnerError) -> (binary: String, sha: String?) {
        if FileManager.default.isExecutableFile(atPath: reference), !isDirectory(reference) {
            return (URL(fileURLWithPath: reference).standardizedFileURL.path, GitInfo.sha(forBinary: reference))
        }
        let sha: String
        do {
            sha = try HostCommand("git", ["-C", repo, "rev-parse", "--verify", "--quiet", reference + "^{commit}"])
                .check(timeout: 30).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw RunnerError(.build, "'\(reference)' is neither an executable nor a git ref in \(repo)")
        }
        let short = String(sha.prefix(12))
        let dir = buildRoot + "/" + short
        let binary = dir + "/.build/\(configuration)/straitd"
        if FileManager.default.isExecutableFile(atPath: binary) {
            log("strait: \(reference) = \(short), reusing \(binary)")
            return (binary, short)
        }
        log("strait: building straitd at \(reference) (\(short)) in \(dir) (\(configuration))")
        let t0 = Date()
        do {
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try HostCommand("sh", ["-c", "git -C \"$1\" archive \"$2\" | tar -x -C \"$3\"", "sh", repo, sha, dir]).check(timeout: 300)
            // The export has no .git: scripts/build-commit.sh stamps the binary with this commit.
            _ = FileManager.default.createFile(atPath: dir + "/.strait-commit", contents: Data(short.utf8))
            let result = try HostCommand("swift", ["build", "--package-path", dir, "-c", configuration, "--product", "straitd"])
                .run(timeout: 3600, logTo: dir + "/build.log")
            guard result.succeeded, FileManager.default.isExecutableFile(atPath: binary) else {
                throw RunnerError(.build, "swift build of \(reference) failed (no \(binary)); log \(dir)/build.log")
            }
        } catch let error as RunnerError {
            throw error
        } catch {
            throw RunnerError(.build, "cannot build \(reference)", cause: error)
        }
        log(String(format: "strait: built %@ in %.0f s", short, Date().timeIntervalSince(t0)))
        return (binary, short)
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
