import FUSE
import Glibc
import Testing
import DaemonLaunch
@testable import VhostUserDriver

/// `straitd --readonly`: reading works, every modifying request is answered EROFS and the share
/// is unchanged on the host, in both the unsandboxed and the namespace mode (there also ro-mounted).
@Suite("straitd --readonly", .serialized)
struct ReadOnlyTests {
    @Test(arguments: ["none", "namespace"])
    func modifyingRequestsGetEROFS(sandbox: String) throws {
        let daemon = DaemonCommandLine(name: "straitd-readonly", arguments: [
            PeerDaemons.straitdBinary, "--socket-path={socket}", "--shared-dir={dir}", "--xattr",
            "--readonly", "--sandbox=\(sandbox)"])
        let fixture = try DaemonFixture(daemon)
        try writeHostFile(fixture.shared + "/f", Array("data".utf8))
        let client = try FuseClient(frontend: try fixture.connect())
        defer { client.close(); _ = fixture }
        try client.initialize()
        let root = FuseProtocol.rootID
        let file = try client.lookup(parent: root, name: "f")
        let h = try client.open(node: file.nodeid, flags: O_RDONLY)
        #expect(try client.read(node: file.nodeid, handle: h.fh, offset: 0, size: 4) == Array("data".utf8))
        func erofs(_ what: String, _ body: () throws -> Void) {
            do { try body(); Issue.record("\(what) succeeded on a read-only share") } catch let e as DriverError {
                #expect(e.errno == EROFS, "\(what): \(e)")
            } catch { Issue.record("\(what): \(error)") }
        }
        erofs("CREATE") { _ = try client.create(parent: root, name: "new") }
        erofs("MKDIR") { _ = try client.mkdir(parent: root, name: "dir") }
        erofs("MKNOD") { _ = try client.mknod(parent: root, name: "fifo", mode: Glibc.S_IFIFO | 0o644) }
        erofs("SYMLINK") { _ = try client.symlink(parent: root, name: "l", target: "f") }
        erofs("UNLINK") { try client.unlink(parent: root, name: "f") }
        erofs("RENAME") { try client.rename(parent: root, name: "f", newParent: root, newName: "g") }
        erofs("OPEN for writing") { _ = try client.open(node: file.nodeid, flags: O_RDWR) }
        erofs("OPEN with O_TRUNC") { _ = try client.open(node: file.nodeid, flags: O_RDONLY | O_TRUNC) }
        erofs("WRITE") { _ = try client.write(node: file.nodeid, handle: h.fh, offset: 0, data: [1]) }
        erofs("SETATTR") { _ = try client.setattr(node: file.nodeid, FuseSetattrIn(valid: FuseSetattrValid.size, size: 0)) }
        erofs("SETXATTR") { try client.setxattr(node: file.nodeid, name: "user.x", value: [1]) }
        #expect(try readHostFile(fixture.shared + "/f") == Array("data".utf8))
        #expect(access(fixture.shared + "/new", F_OK) != 0)
    }
}
