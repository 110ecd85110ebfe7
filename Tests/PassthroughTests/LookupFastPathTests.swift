import Glibc
import Testing
@testable import Passthrough

/// The lookup of a name whose inode is already known takes one statx instead of open + statx;
/// these pin down that it still answers exactly what the open-based lookup would.
@Suite struct LookupFastPathTests {
    @Test func knownNameReusesTheNodeAndCountsTheLookup() throws {
        let f = try Fixture()
        f.dir.write("a", "A")
        let first = try f.fs.lookup(parent: 1, name: bytes("a"))
        let nodes = f.fs.nodeCount
        let second = try f.fs.lookup(parent: 1, name: bytes("a"))
        #expect(second.node == first.node)
        #expect(f.fs.lookupCount(node: first.node) == 2)
        #expect(f.fs.nodeCount == nodes)
        // Fresh attributes, not the ones cached at the first lookup.
        f.dir.write("a", "longer now")
        #expect(try f.fs.lookup(parent: 1, name: bytes("a")).attr.st_size == 10)
    }

    @Test func renamedOnTheHostStillTheSameNode() throws {
        let f = try Fixture()
        f.dir.write("a", "A")
        let a = try f.fs.lookup(parent: 1, name: bytes("a"))
        #expect(rename(f.dir.sub("a"), f.dir.sub("b")) == 0)
        #expect(try f.fs.lookup(parent: 1, name: bytes("b")).node == a.node)
        #expect(errnoOf { try f.fs.lookup(parent: 1, name: bytes("a")) } == ENOENT)
    }

    @Test func replacedOnTheHostIsANewNode() throws {
        let f = try Fixture()
        f.dir.write("a", "A")
        let old = try f.fs.lookup(parent: 1, name: bytes("a"))
        #expect(unlink(f.dir.sub("a")) == 0)
        f.dir.write("a", "new file")
        let new = try f.fs.lookup(parent: 1, name: bytes("a"))
        // Our descriptor pins the old inode, so the new file cannot share its number.
        #expect(new.node != old.node)
        #expect(new.attr.st_size == 8)
    }

    @Test func forgottenNodeIsLookedUpAfresh() throws {
        let f = try Fixture()
        f.dir.write("a", "A")
        let a = try f.fs.lookup(parent: 1, name: bytes("a"))
        f.fs.forget(node: a.node, count: 1)
        #expect(f.fs.lookupCount(node: a.node) == nil)
        let again = try f.fs.lookup(parent: 1, name: bytes("a"))
        #expect(again.node != a.node)
        #expect(f.fs.lookupCount(node: again.node) == 1)
    }

    @Test func symlinkIsNotFollowed() throws {
        let f = try Fixture()
        f.dir.write("target", "T")
        #expect(symlink("target", f.dir.sub("link")) == 0)
        let target = try f.fs.lookup(parent: 1, name: bytes("target"))
        let link1 = try f.fs.lookup(parent: 1, name: bytes("link"))
        let link2 = try f.fs.lookup(parent: 1, name: bytes("link"))
        #expect(link1.node == link2.node && link1.node != target.node)
        #expect(link2.attr.st_mode & S_IFMT == S_IFLNK)
    }
}
