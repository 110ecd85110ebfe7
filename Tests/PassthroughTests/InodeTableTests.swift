import Foundation
import Glibc
import Testing
@testable import Passthrough

@Suite struct InodeTableTests {
    @Test func lookupCountsAndForget() throws {
        let f = try Fixture()
        f.dir.write("a", "1")
        let e1 = try f.fs.lookup(parent: 1, name: bytes("a"))
        let e2 = try f.fs.lookup(parent: 1, name: bytes("a"))
        #expect(e1.node == e2.node)
        #expect(e1.node != 1)
        #expect(f.fs.lookupCount(node: e1.node) == 2)
        #expect(f.fs.nodeCount == 2)
        f.fs.forget(node: e1.node, count: 1)
        #expect(f.fs.lookupCount(node: e1.node) == 1)
        #expect(try f.fs.getattr(node: e1.node).st_size == 1)
        f.fs.forget(node: e1.node, count: 1)
        #expect(f.fs.lookupCount(node: e1.node) == nil)
        #expect(f.fs.nodeCount == 1)
        #expect(errnoOf { try f.fs.getattr(node: e1.node) } == EBADF)
        // A new lookup of the same file gets a fresh node id; ids are never reused.
        let e3 = try f.fs.lookup(parent: 1, name: bytes("a"))
        #expect(e3.node != e1.node)
    }

    @Test func forgetMoreThanCountAndUnknownNodesAreHarmless() throws {
        let f = try Fixture()
        f.dir.write("a", "1")
        let e = try f.fs.lookup(parent: 1, name: bytes("a"))
        f.fs.forget(node: e.node, count: 1000)
        #expect(f.fs.lookupCount(node: e.node) == nil)
        f.fs.forget(node: 987_654, count: 1)
        f.fs.forget(node: 0, count: UInt64.max)
        f.fs.forget(node: 1, count: UInt64.max)  // the root stays
        #expect(f.fs.lookupCount(node: 1) != nil)
        #expect(try f.fs.getattr(node: 1).st_mode & 0o170000 == 0o040000)
    }

    @Test func hardLinksShareOneNode() throws {
        let f = try Fixture()
        f.dir.write("a", "1")
        #expect(link(f.dir.sub("a"), f.dir.sub("b")) == 0)
        let a = try f.fs.lookup(parent: 1, name: bytes("a"))
        let b = try f.fs.lookup(parent: 1, name: bytes("b"))
        #expect(a.node == b.node)
        #expect(f.fs.lookupCount(node: a.node) == 2)
    }

    @Test func forgottenNodesReleaseTheirDescriptors() throws {
        let f = try Fixture()
        for i in 0..<50 { f.dir.write("f\(i)", "x") }
        let before = openFDCount(under: f.dir.path)
        var nodes: [UInt64] = []
        for i in 0..<50 { nodes.append(try f.fs.lookup(parent: 1, name: bytes("f\(i)")).node) }
        #expect(openFDCount(under: f.dir.path) >= before + 50)
        for n in nodes { f.fs.forget(node: n, count: 1) }
        #expect(openFDCount(under: f.dir.path) == before)
    }

    @Test func concurrentLookupAndForgetKeepCountsExact() async throws {
        let f = try Fixture()
        f.dir.write("shared", "x")
        let fs = f.fs
        let first = try fs.lookup(parent: 1, name: bytes("shared"))  // keeps the node alive
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<200 {
                        if let e = try? fs.lookup(parent: 1, name: bytes("shared")) {
                            fs.forget(node: e.node, count: 1)
                        }
                    }
                }
            }
        }
        #expect(fs.lookupCount(node: first.node) == 1)
        #expect(fs.nodeCount == 2)
    }
}
