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

/// The meta workload's guest script: every phase timed, each after dropping caches, the tree
/// counted and git status checked clean, the directory removed.
@Suite struct MetaScriptTests {
    @Test func scriptTimesEveryPhaseAndChecksTheTree() {
        let script = GuestWorkloads.metaScript(MetaWorkload(files: 100, directories: 10), directory: "/mnt/fs0/meta-0-1")
        for phase in MetaWorkload.phases { #expect(script.contains("echo META_\(phase)=")) }
        #expect(script.components(separatedBy: GuestWorkloads.dropCaches).count - 1 == 4)
        #expect(script.contains("-v n=100 -v d=10"))
        #expect(script.contains("echo META_count=") && script.contains("echo META_dirty="))
        #expect(script.contains("rm -rf /mnt/fs0/meta-0-1"))
        #expect(script.hasPrefix("set -e"))
    }
}
