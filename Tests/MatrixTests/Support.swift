import Foundation

/// Paths inside the repository, found from this file so tests run from any directory.
enum Repo {
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = testsDir.deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: testsDir.appendingPathComponent("Fixtures/\(name)"), encoding: .utf8)
    }

    static func matrix(_ name: String) -> String {
        root.appendingPathComponent("matrices/\(name)").path
    }
}
