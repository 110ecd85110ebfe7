import Glibc
import Testing
@testable import Passthrough

@Suite struct RenameTests {
    @Test func plainRenameReplaces() throws {
        let f = try Fixture()
        f.dir.write("a", "A")
        f.dir.write("b", "B")
        f.dir.mkdir("d")
        let d = try f.fs.lookup(parent: 1, name: bytes("d"))
        try f.fs.rename(parent: 1, name: bytes("a"), newParent: 1, newName: bytes("b"))
        #expect(f.dir.read("b") == "A" && !f.dir.exists("a"))
        try f.fs.rename(parent: 1, name: bytes("b"), newParent: d.node, newName: bytes("c"))
        #expect(f.dir.read("d/c") == "A")
    }

    @Test func noReplace() throws {
        let f = try Fixture()
        f.dir.write("a", "A")
        f.dir.write("b", "B")
        #expect(errnoOf {
            try f.fs.rename(parent: 1, name: bytes("a"), newParent: 1, newName: bytes("b"),
                            flags: PassthroughFS.renameNoReplace)
        } == EEXIST)
        #expect(f.dir.read("b") == "B")
        try f.fs.rename(parent: 1, name: bytes("a"), newParent: 1, newName: bytes("c"),
                        flags: PassthroughFS.renameNoReplace)
        #expect(f.dir.read("c") == "A")
    }

    @Test func exchange() throws {
        let f = try Fixture()
        f.dir.write("a", "A")
        f.dir.mkdir("b")
        try f.fs.rename(parent: 1, name: bytes("a"), newParent: 1, newName: bytes("b"),
                        flags: PassthroughFS.renameExchange)
        #expect(f.dir.read("b") == "A")
        #expect(f.dir.info("a").st_mode & 0o170000 == 0o040000)
        #expect(errnoOf {
            try f.fs.rename(parent: 1, name: bytes("a"), newParent: 1, newName: bytes("missing"),
                            flags: PassthroughFS.renameExchange)
        } == ENOENT)
    }

    @Test func whiteoutLeavesACharDevice() throws {
        let f = try Fixture()
        f.dir.write("a", "A")
        let r = errnoOf {
            try f.fs.rename(parent: 1, name: bytes("a"), newParent: 1, newName: bytes("b"),
                            flags: PassthroughFS.renameWhiteout)
        }
        if r == EINVAL || (r == EPERM && !isRoot) {
            try Test.cancel("RENAME_WHITEOUT not available here (errno \(r ?? 0))")
        }
        #expect(r == nil)
        #expect(f.dir.read("b") == "A")
        let st = f.dir.info("a")
        #expect(st.st_mode & 0o170000 == 0o020000 && st.st_rdev == 0)
    }

    @Test func invalidFlagsAndNames() throws {
        let f = try Fixture()
        f.dir.write("a", "A")
        #expect(errnoOf {
            try f.fs.rename(parent: 1, name: bytes("a"), newParent: 1, newName: bytes("b"), flags: 1 << 7)
        } == EINVAL)
        #expect(errnoOf {
            try f.fs.rename(parent: 1, name: bytes("a"), newParent: 1, newName: bytes("../escaped"))
        } == EINVAL)
        #expect(errnoOf {
            try f.fs.rename(parent: 1, name: bytes(".."), newParent: 1, newName: bytes("x"))
        } == EINVAL)
        #expect(f.dir.read("a") == "A")
    }
}
