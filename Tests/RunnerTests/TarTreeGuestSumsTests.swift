import Foundation
import GuestImage
import Matrix
import Testing
@testable import Runner

/// The native cell's tar check: the guest's sha256sum lines against the reference tree.
@Suite struct TarTreeGuestSumsTests {
    @Test func matchesMissingExtraAndDifferent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strait-tartree-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = try TarTree.make(TarWorkload(files: 5, seed: 7), in: dir)
        #expect(tree.files.count == 5)
        func sum(_ rel: String) -> String { SHA256.hex(bytes: Array(FileManager.default.contents(atPath: tree.root + "/" + rel)!)) }
        let good = tree.files.map { "\(sum($0))  ./\($0)" }.joined(separator: "\n")
        #expect(tree.verify(guestSums: good).passed)
        var lines = tree.files.map { "\(sum($0))  ./\($0)" }
        lines[0] = String(repeating: "0", count: 64) + "  ./" + tree.files[0]
        lines.removeLast()
        lines.append(String(repeating: "1", count: 64) + "  ./stray.dat")
        let bad = tree.verify(guestSums: lines.joined(separator: "\n"))
        #expect(!bad.passed)
        #expect(bad.mismatches.contains("\(tree.files[0]): contents differ from the reference"))
        #expect(bad.mismatches.contains("\(tree.files[4]): missing in the guest"))
        #expect(bad.mismatches.contains("stray.dat: not in the archive"))
    }
}
