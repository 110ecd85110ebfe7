import Foundation
import Testing
@testable import GuestImage

/// Image recipes take the mirror from the host's apt configuration, mapped to the recipe's suite.
@Suite struct HostMirrorsTests {
    func fixture(_ files: [String: String], codename: String = "bookworm") throws -> (String, String) {
        let dir = NSTemporaryDirectory() + "strait-apt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/apt/sources.list.d", withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/apt/" + name, atomically: true, encoding: .utf8) }
        try "PRETTY_NAME=\"Debian\"\nVERSION_CODENAME=\(codename)\n".write(toFile: dir + "/os-release", atomically: true, encoding: .utf8)
        return (dir + "/apt", dir + "/os-release")
    }

    @Test func deb822StanzasMapToTheRecipeSuite() throws {
        let (apt, release) = try fixture(["sources.list.d/debian.sources": """
            Types: deb
            URIs: http://mirror.example/debian
            Suites: bookworm bookworm-updates bookworm-backports
            Components: main
            Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

            Types: deb
            URIs: http://mirror.example/debian-security
            Suites: bookworm-security
            Components: main
            """, "sources.list.d/peers-trixie.sources": "Types: deb\nURIs: http://mirror.example/debian\nSuites: trixie\nComponents: main\n"])
        #expect(HostMirrors.debSources(suite: "bookworm", aptDirectory: apt, osRelease: release) == [
            "deb http://mirror.example/debian bookworm main",
            "deb http://mirror.example/debian bookworm-updates main",
            "deb http://mirror.example/debian-security bookworm-security main",
        ])
        #expect(HostMirrors.debSources(suite: "trixie", aptDirectory: apt, osRelease: release) == [
            "deb http://mirror.example/debian trixie main",
            "deb http://mirror.example/debian trixie-updates main",
            "deb http://mirror.example/debian-security trixie-security main",
        ])
    }

    @Test func oneLineFormatAndOptions() throws {
        let (apt, release) = try fixture(["sources.list": """
            # comment
            deb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main contrib
            deb-src http://m.example/debian bookworm main
            """])
        #expect(HostMirrors.debSources(suite: "bookworm", aptDirectory: apt, osRelease: release) == [
            "deb http://m.example/debian bookworm main contrib",
        ])
    }

    @Test func noHostEntriesIsAClearRecipeError() throws {
        let (apt, release) = try fixture([:])
        #expect(HostMirrors.debSources(suite: "bookworm", aptDirectory: apt, osRelease: release).isEmpty)
    }
}
