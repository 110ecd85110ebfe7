import Foundation
import Glibc
import Testing
@testable import Passthrough

@Suite struct ResourceTests {
    /// With the descriptor limit reached, lookups fail with ENFILE (not EMFILE) and the file
    /// system keeps working once descriptors are free again. Runs in a forked child so the low
    /// limit cannot disturb tests running in parallel in this process.
    @Test func descriptorExhaustionIsENFILEAndRecoverable() throws {
        let f = try Fixture()
        for i in 0..<64 { f.dir.write("f\(i)", "x") }
        // Warm every code path in the parent so the child runs as little new code as possible.
        let warm = try f.fs.lookup(parent: 1, name: bytes("f0"))
        f.fs.forget(node: warm.node, count: 1)
        let warmFile = try f.fs.lookup(parent: 1, name: bytes("f1"))
        try f.fs.release(handle: try f.fs.open(node: warmFile.node, flags: O_RDONLY).handle)
        _ = errnoOf { try f.fs.lookup(parent: 1, name: bytes("missing")) }

        let pid = fork()
        if pid == 0 {
            // /proc/self/fd opened by the parent names the parent's table: the inherited
            // instance must refuse to reopen through it; a new one works.
            if (try? f.fs.open(node: warmFile.node, flags: O_RDONLY)) != nil { _exit(8) }
            guard let fs = try? PassthroughFS(config: f.fs.config) else { _exit(9) }
            _exit(Self.child(fs))
        }
        #expect(pid > 0)
        var status: Int32 = 0
        var waited: pid_t = 0
        for _ in 0..<400 {  // up to 20 s
            waited = waitpid(pid, &status, WNOHANG)
            if waited != 0 { break }
            usleep(50_000)
        }
        if waited == 0 {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            Issue.record("child did not finish")
            return
        }
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        #expect(exited && code == 0, "child step \(code) failed")
    }

    /// Exit code = the first failed step (0 = all good).
    private static func child(_ fs: PassthroughFS) -> Int32 {
        let inUse = (0..<4096).filter { fcntl(Int32($0), F_GETFD) != -1 }.count
        var limit = rlimit(rlim_cur: rlim_t(inUse + 16), rlim_max: rlim_t(inUse + 16))
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 { return 10 }
        var nodes: [UInt64] = []
        var sawENFILE = false
        for i in 0..<64 {
            do {
                nodes.append(try fs.lookup(parent: 1, name: Array("f\(i)".utf8)).node)
            } catch {
                if error.errno != ENFILE { return 11 }
                sawENFILE = true
                break
            }
        }
        if !sawENFILE { return 12 }
        // Still alive: operations not needing a new fd work, others fail cleanly.
        if (try? fs.getattr(node: 1)) == nil { return 13 }
        if let n = nodes.first, (try? fs.getattr(node: n)) == nil { return 14 }
        // Free descriptors: everything works again.
        for n in nodes { fs.forget(node: n, count: 1) }
        guard let again = try? fs.lookup(parent: 1, name: Array("f63".utf8)) else { return 15 }
        let open: OpenResult
        do { open = try fs.open(node: again.node, flags: O_RDONLY) } catch { return 100 + error.errno }
        if (try? fs.release(handle: open.handle)) == nil { return 17 }
        return 0
    }

    @Test func handlesLocksAndNodesCloseTheirDescriptors() throws {
        let f = try Fixture()
        f.dir.write("f", "x")
        f.dir.mkdir("d")
        let before = openFDCount(under: f.dir.path)
        for _ in 0..<20 {
            let e = try f.fs.lookup(parent: 1, name: bytes("f"))
            let o = try f.fs.open(node: e.node, flags: O_RDWR)
            try f.fs.setlk(handle: o.handle, owner: 9, lock: FileLock(start: 0, end: 0, type: Int32(F_WRLCK)))
            _ = errnoOf { try f.fs.getxattr(node: e.node, name: bytes("user.none"), size: 0) }
            try f.fs.release(handle: o.handle, lockOwner: 9)
            let d = try f.fs.lookup(parent: 1, name: bytes("d"))
            let dh = try f.fs.opendir(node: d.node)
            try f.fs.readdir(handle: dh.handle, offset: 0, plus: true) { _, _ in true }
            try f.fs.releasedir(handle: dh.handle)
            f.fs.forget(node: e.node, count: 1)
            f.fs.forget(node: d.node, count: 1)
        }
        #expect(f.fs.nodeCount == 1)
        #expect(f.fs.handleCount == 0)
        #expect(openFDCount(under: f.dir.path) == before)
    }
}
