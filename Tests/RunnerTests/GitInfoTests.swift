import DaemonLaunch
import Foundation
import GuestImage
@testable import Runner
import Testing

/// The build a straitd binary names: asked of the binary first, then what lies beside it; and
/// scripts/build-commit.sh, which writes the commit into straitd before every build.
@Suite struct GitInfoTests {
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let straitd = LoadLayerTests.products + "/straitd"

    func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "strait-gitinfo-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A stand-in binary: a shell script that prints `lines` for --version.
    func fakeBinary(in dir: String, printing lines: [String]) throws -> String {
        let path = dir + "/straitd"
        let body = lines.map { "echo '\($0)'" }.joined(separator: "\n")
        try Data("#!/bin/sh\n[ \"$1\" = --version ] || exit 2\n\(body)\n".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
        return path
    }

    /// The binary's word wins over a `.strait-commit` beside it (a copied binary keeps its commit).
    @Test func theBinaryIsAskedFirst() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("111111111111\n".utf8).write(to: URL(fileURLWithPath: dir + "/.strait-commit"))
        let binary = try fakeBinary(in: dir, printing: ["straitd 0.1.0 (x)", "commit 2222222222ab", "build release"])
        #expect(GitInfo.build(ofBinary: binary) == GitInfo.Build(commit: "2222222222ab", configuration: "release"))
        let variant = Variant.straitd("run", binary: binary, sha: "ignored")
        #expect(variant.straitdSHA == "2222222222ab" && variant.straitdBuild == "release")
    }

    /// A straitd from before the stamp: the commit from `.strait-commit`, the configuration unknown.
    @Test func olderBinariesFallBackToTheirPlace() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("111111111111\n".utf8).write(to: URL(fileURLWithPath: dir + "/.strait-commit"))
        let binary = try fakeBinary(in: dir, printing: ["straitd 0.1.0 (virtiofsd-compatible vhost-user-fs backend)"])
        #expect(GitInfo.build(ofBinary: binary) == GitInfo.Build(commit: "111111111111", configuration: nil))
        #expect(Variant.straitd("run", binary: binary).straitdBuild == nil)
        #expect(GitInfo.build(ofBinary: dir + "/absent") == GitInfo.Build(commit: "111111111111", configuration: nil))
    }

    /// The straitd of this build says how it was built (the tests are built alongside it, in the
    /// same configuration) and names a commit this repository has.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: straitd), "needs straitd built beside the tests"))
    func thisBuildsStraitdNamesItsBuild() throws {
        let stamp = try #require(GitInfo.stamp(ofBinary: Self.straitd))
        #if DEBUG
        #expect(stamp.configuration == .debug)
        #else
        #expect(stamp.configuration == .release)
        #endif
        guard FileManager.default.fileExists(atPath: Self.repoRoot + "/.git") else {
            // An export (strait gate's build directory): the commit its .strait-commit names.
            let file = try? String(contentsOfFile: Self.repoRoot + "/.strait-commit", encoding: .utf8)
            #expect(stamp.commit == file?.split(separator: "\n").first.map(String.init))
            return
        }
        let commit = try #require(stamp.commit, "straitd --version names no commit")
        let sha = commit.hasSuffix("-dirty") ? String(commit.dropLast(6)) : commit
        let type = try HostCommand("git", ["-C", Self.repoRoot, "cat-file", "-t", sha]).run(timeout: 30)
        #expect(type.succeeded && type.output.trimmingCharacters(in: .whitespacesAndNewlines) == "commit", "\(commit): \(type.output)")
    }

    /// build-commit.sh in a scratch repository: HEAD's commit, `-dirty` for a changed tracked
    /// file, a new commit followed, no rewrite while the commit stays, `.strait-commit` in an
    /// export, never the commit of a repository the package merely sits inside, and nothing but
    /// safe characters in the Swift literal.
    @Test func buildCommitScriptFollowsHead() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = Self.repoRoot + "/scripts/build-commit.sh"
        func git(_ arguments: [String], in repo: String = dir + "/pkg") throws -> String {
            try HostCommand("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"] + arguments)
                .check(timeout: 30).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func generate(_ package: String = dir + "/pkg") throws -> (value: String, modified: Date) {
            try HostCommand("/bin/sh", [script, package, dir + "/out"]).check(timeout: 30)
            let file = dir + "/out/BuildCommit.swift"
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let line = try #require(text.split(separator: "\n").first { $0.contains("static let value") })
            let open = try #require(line.firstIndex(of: "\"")), close = try #require(line.lastIndex(of: "\""))
            let value = String(line[line.index(after: open)..<close])
            let modified = try FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date ?? .distantPast
            return (value, modified)
        }
        try FileManager.default.createDirectory(atPath: dir + "/pkg", withIntermediateDirectories: true)
        _ = try git(["init", "-q"])
        try Data("a\n".utf8).write(to: URL(fileURLWithPath: dir + "/pkg/f"))
        _ = try git(["add", "f"])
        _ = try git(["commit", "-qm", "one"])
        let first = try git(["rev-parse", "--short=12", "HEAD"])
        let a = try generate()
        #expect(a.value == first)
        usleep(20_000)
        #expect(try generate().modified == a.modified, "rewritten although the commit did not change")

        try Data("b\n".utf8).write(to: URL(fileURLWithPath: dir + "/pkg/f"))
        #expect(try generate().value == first + "-dirty")
        _ = try git(["commit", "-qam", "two"])
        let second = try git(["rev-parse", "--short=12", "HEAD"])
        #expect(second != first)
        #expect(try generate().value == second)

        // A package directory inside someone else's work tree is not that tree's commit.
        try FileManager.default.createDirectory(atPath: dir + "/pkg/sub", withIntermediateDirectories: true)
        #expect(try generate(dir + "/pkg/sub").value == "")
        try Data("abc\"+1;2\\3 second word\n".utf8).write(to: URL(fileURLWithPath: dir + "/pkg/sub/.strait-commit"))
        #expect(try generate(dir + "/pkg/sub").value == "abc123")
    }
}
