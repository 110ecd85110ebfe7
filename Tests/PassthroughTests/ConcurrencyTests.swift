import Foundation
import Glibc
import Testing
@testable import Passthrough

@Suite struct ConcurrencyTests {
    /// Many threads doing whole file lifecycles at once: every count ends exact and no
    /// descriptor is left open.
    @Test func mixedWorkloadLeavesNothingBehind() async throws {
        let f = try Fixture()
        let fs = f.fs
        let before = openFDCount(under: f.dir.path)
        let failures = await withTaskGroup(of: Int.self) { group -> Int in
            for worker in 0..<8 {
                group.addTask {
                    var failed = 0
                    for round in 0..<40 {
                        let name = bytes("w\(worker)-\(round)")
                        do {
                            let (e, o) = try fs.create(parent: 1, name: name, mode: 0o644, flags: O_RDWR, umask: 0)
                            let payload = bytes("worker \(worker) round \(round)")
                            try writeAll(fs, o.handle, payload)
                            if try readAll(fs, o.handle) != payload { failed += 1 }
                            try fs.setlk(handle: o.handle, owner: UInt64(worker), lock: FileLock(start: 0, end: 0, type: Int32(F_WRLCK)))
                            try fs.flush(handle: o.handle, lockOwner: UInt64(worker))
                            try fs.release(handle: o.handle, lockOwner: UInt64(worker))
                            let renamed = name + bytes(".r")
                            try fs.rename(parent: 1, name: name, newParent: 1, newName: renamed)
                            let again = try fs.lookup(parent: 1, name: renamed)
                            if again.node != e.node { failed += 1 }
                            let d = try fs.opendir(node: 1)
                            try fs.readdir(handle: d.handle, offset: 0, plus: true) { _, entry in
                                if let entry { fs.forget(node: entry.node, count: 1) }
                                return true
                            }
                            try fs.releasedir(handle: d.handle)
                            try fs.unlink(parent: 1, name: renamed)
                            fs.forget(node: e.node, count: 2)
                        } catch {
                            failed += 1
                        }
                    }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
        #expect(fs.nodeCount == 1)
        #expect(fs.handleCount == 0)
        #expect(openFDCount(under: f.dir.path) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.dir.path).isEmpty)
    }
}
