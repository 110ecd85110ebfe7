import CShims
import Glibc
import Testing
@testable import Passthrough

@Suite struct XattrTests {
    private func hostGet(_ path: String, _ name: String) -> String? {
        var buf = [UInt8](repeating: 0, count: 256)
        let n = strait_getxattr(-1, path, name, &buf, 256)
        return n < 0 ? nil : String(decoding: buf.prefix(n), as: UTF8.self)
    }

    private func names(_ reply: XattrReply) -> [String] {
        guard case .data(let d) = reply else { return [] }
        return d.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.sorted()
    }

    @Test func setGetListRemoveOnFilesAndDirectories() throws {
        let f = try Fixture()
        f.dir.write("f", "")
        f.dir.mkdir("d")
        for name in ["f", "d"] {
            let e = try f.fs.lookup(parent: 1, name: bytes(name))
            try f.fs.setxattr(node: e.node, name: bytes("user.color"), value: bytes("blue"), flags: 0)
            #expect(hostGet(f.dir.sub(name), "user.color") == "blue")
            #expect(try f.fs.getxattr(node: e.node, name: bytes("user.color"), size: 0) == .size(4))
            #expect(try f.fs.getxattr(node: e.node, name: bytes("user.color"), size: 100) == .data(bytes("blue")))
            #expect(errnoOf { try f.fs.getxattr(node: e.node, name: bytes("user.color"), size: 2) } == ERANGE)
            #expect(errnoOf { try f.fs.getxattr(node: e.node, name: bytes("user.none"), size: 10) } == ENODATA)
            #expect(names(try f.fs.listxattr(node: e.node, size: 1000)).contains("user.color"))
            guard case .size(let n) = try f.fs.listxattr(node: e.node, size: 0) else {
                Issue.record("size query returned data")
                continue
            }
            #expect(n >= 11)
            #expect(errnoOf { try f.fs.setxattr(node: e.node, name: bytes("user.color"), value: [],
                                                flags: strait_XATTR_CREATE) } == EEXIST)
            try f.fs.removexattr(node: e.node, name: bytes("user.color"))
            #expect(hostGet(f.dir.sub(name), "user.color") == nil)
        }
    }

    @Test(.enabled(if: isRoot, "trusted.* needs CAP_SYS_ADMIN"))
    func specialFilesAndSymlinksGetTheirOwnXattrs() throws {
        let f = try Fixture()
        let outside = TempDir()
        outside.write("target", "")
        symlink(outside.sub("target"), f.dir.sub("link"))
        let fifo = try f.fs.mknod(parent: 1, name: bytes("fifo"), mode: 0o10644, rdev: 0, umask: 0)
        let link = try f.fs.lookup(parent: 1, name: bytes("link"))
        for node in [fifo.node, link.node] {
            try f.fs.setxattr(node: node, name: bytes("trusted.t"), value: bytes("v"), flags: 0)
            #expect(try f.fs.getxattr(node: node, name: bytes("trusted.t"), size: 8) == .data(bytes("v")))
            #expect(names(try f.fs.listxattr(node: node, size: 100)).contains("trusted.t"))
        }
        #expect(hostGet(f.dir.sub("fifo"), "trusted.t") == "v")
        // The link's own attribute, not its target's.
        #expect(hostGet(outside.sub("target"), "trusted.t") == nil)
        var buf = [UInt8](repeating: 0, count: 8)
        #expect(lgetxattrValue(f.dir.sub("link"), "trusted.t", &buf) == 1)
        try f.fs.removexattr(node: link.node, name: bytes("trusted.t"))
        #expect(lgetxattrValue(f.dir.sub("link"), "trusted.t", &buf) == -1)
    }

    /// lgetxattr through the /proc-free path: the symlink's parent directory + its name is not
    /// available from Swift's Glibc, so open the link O_PATH and ask relative to /proc/self/fd.
    private func lgetxattrValue(_ path: String, _ name: String, _ buf: inout [UInt8]) -> Int {
        let fd = open(path, strait_O_PATH | O_NOFOLLOW | O_CLOEXEC)
        defer { close(fd) }
        let dir = open("/proc/self/fd", strait_O_PATH | O_DIRECTORY | O_CLOEXEC)
        defer { close(dir) }
        return strait_getxattr(dir, String(fd), name, &buf, buf.count)
    }

    @Test func disabledXattrsAreENOSYS() throws {
        let f = try Fixture { $0.xattr = false }
        #expect(errnoOf { try f.fs.getxattr(node: 1, name: bytes("user.a"), size: 0) } == ENOSYS)
        #expect(errnoOf { try f.fs.setxattr(node: 1, name: bytes("user.a"), value: [1], flags: 0) } == ENOSYS)
        #expect(errnoOf { try f.fs.listxattr(node: 1, size: 0) } == ENOSYS)
        #expect(errnoOf { try f.fs.removexattr(node: 1, name: bytes("user.a")) } == ENOSYS)
    }

    @Test func xattrmapPrefixesAndHides() throws {
        let map = try XattrMap(parsing: ":map:trusted.:user.virtiofs.:")
        let f = try Fixture { $0.xattrMap = map }
        f.dir.write("f", "")
        #expect(strait_setxattr(-1, f.dir.sub("f"), "user.hostonly", "h", 1, 0) == 0)
        #expect(strait_setxattr(-1, f.dir.sub("f"), "user.virtiofs.user.sneaky", "s", 1, 0) == 0)
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        try f.fs.setxattr(node: e.node, name: bytes("trusted.guest"), value: bytes("g"), flags: 0)
        #expect(hostGet(f.dir.sub("f"), "user.virtiofs.trusted.guest") == "g")
        #expect(hostGet(f.dir.sub("f"), "trusted.guest") == nil)
        #expect(try f.fs.getxattr(node: e.node, name: bytes("trusted.guest"), size: 10) == .data(bytes("g")))
        // The guest cannot reach the prefixed names directly (EPERM; ENODATA on get).
        #expect(errnoOf { try f.fs.setxattr(node: e.node, name: bytes("user.virtiofs.x"), value: [1], flags: 0) } == EPERM)
        #expect(errnoOf { try f.fs.getxattr(node: e.node, name: bytes("user.virtiofs.trusted.guest"), size: 10) } == ENODATA)
        let listed = names(try f.fs.listxattr(node: e.node, size: 1000))
        #expect(listed.contains("trusted.guest"))
        #expect(listed.contains("user.hostonly"))
        #expect(!listed.contains(where: { $0.hasPrefix("user.virtiofs.") }))
        guard case .size(let n) = try f.fs.listxattr(node: e.node, size: 0) else { return }
        #expect(n == listed.reduce(0) { $0 + $1.utf8.count + 1 })
        #expect(errnoOf { try f.fs.listxattr(node: e.node, size: 3) } == ERANGE)
    }

    @Test func posixACLOnlyAllowsACLNamesWhenXattrIsOff() throws {
        let f = try Fixture { $0.xattr = false; $0.posixACL = true }
        f.dir.mkdir("d")
        let d = try f.fs.lookup(parent: 1, name: bytes("d"))
        #expect(errnoOf { try f.fs.setxattr(node: d.node, name: bytes("user.a"), value: [1], flags: 0) } == EOPNOTSUPP)
        // A default ACL: user::rwx group::r-x other::--- (version 2 header + 3 entries).
        var acl: [UInt8] = [2, 0, 0, 0]
        for (tag, perm) in [(UInt16(0x01), UInt16(7)), (0x04, 5), (0x20, 0)] {
            acl += [UInt8(tag & 0xff), UInt8(tag >> 8), UInt8(perm & 0xff), UInt8(perm >> 8), 0xff, 0xff, 0xff, 0xff]
        }
        let r = errnoOf { try f.fs.setxattr(node: d.node, name: bytes("system.posix_acl_default"), value: acl, flags: 0) }
        if r == EOPNOTSUPP { try Test.cancel("no POSIX ACL support on this file system") }
        #expect(r == nil)
        #expect(try f.fs.getxattr(node: d.node, name: bytes("system.posix_acl_default"), size: 0) == .size(acl.count))
        // With a default ACL the guest's umask is ignored; the ACL masks the mode instead.
        let sub = try f.fs.mkdir(parent: d.node, name: bytes("inner"), mode: 0o777, umask: 0o077)
        #expect(sub.attr.st_mode & 0o777 == 0o750)
        let plain = try f.fs.mkdir(parent: 1, name: bytes("plain"), mode: 0o777, umask: 0o077)
        #expect(plain.attr.st_mode & 0o777 == 0o700)
    }
}
