import Foundation
import Glibc
import Testing
@testable import Passthrough

@Suite struct LockTests {
    private let wr = Int32(F_WRLCK), rd = Int32(F_RDLCK), un = Int32(F_UNLCK)

    @Test func ownersConflictAndGetlkReportsIt() throws {
        let f = try Fixture()
        f.dir.write("f", "0123456789")
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        let h1 = try f.fs.open(node: e.node, flags: O_RDWR).handle
        let h2 = try f.fs.open(node: e.node, flags: O_RDWR).handle
        try f.fs.setlk(handle: h1, owner: 1, lock: FileLock(start: 0, end: 4, type: wr))
        // Another owner: conflict.
        #expect(errnoOf { try f.fs.setlk(handle: h2, owner: 2, lock: FileLock(start: 2, end: 3, type: rd)) } == EAGAIN)
        let seen = try f.fs.getlk(handle: h2, owner: 2, lock: FileLock(start: 0, end: UInt64(Int64.max), type: wr))
        #expect(seen.type == wr && seen.start == 0 && seen.end == 4)
        // Same owner through another handle: no conflict (POSIX locks belong to the owner).
        try f.fs.setlk(handle: h2, owner: 1, lock: FileLock(start: 2, end: 3, type: wr))
        // Outside the range: fine.
        try f.fs.setlk(handle: h2, owner: 2, lock: FileLock(start: 5, end: 9, type: wr))
        #expect(try f.fs.getlk(handle: h2, owner: 2, lock: FileLock(start: 6, end: 6, type: wr)).type == un)
        // Unlock by owner 1, then owner 2 gets it.
        try f.fs.setlk(handle: h1, owner: 1, lock: FileLock(start: 0, end: UInt64(Int64.max), type: un))
        try f.fs.setlk(handle: h2, owner: 2, lock: FileLock(start: 0, end: 4, type: wr))
        // Releasing with the lock owner drops that owner's locks.
        try f.fs.release(handle: h2, lockOwner: 2)
        try f.fs.setlk(handle: h1, owner: 3, lock: FileLock(start: 0, end: 9, type: wr))
        try f.fs.release(handle: h1, lockOwner: 3)
    }

    @Test func flockOnHandles() throws {
        let f = try Fixture()
        f.dir.write("f", "x")
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        let h1 = try f.fs.open(node: e.node, flags: O_RDONLY).handle
        let h2 = try f.fs.open(node: e.node, flags: O_RDONLY).handle
        try f.fs.flock(handle: h1, operation: LOCK_EX)
        #expect(errnoOf { try f.fs.flock(handle: h2, operation: LOCK_SH) } == EWOULDBLOCK)
        try f.fs.release(handle: h1, flockRelease: true)
        try f.fs.flock(handle: h2, operation: LOCK_SH)
        #expect(errnoOf { try f.fs.flock(handle: h2, operation: 0) } == EINVAL)
        try f.fs.release(handle: h2)
    }

    @Test func badLocksAreRejected() throws {
        let f = try Fixture()
        f.dir.write("f", "x")
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        let h = try f.fs.open(node: e.node, flags: O_RDWR).handle
        #expect(errnoOf { try f.fs.setlk(handle: h, owner: 1, lock: FileLock(start: 5, end: 2, type: wr)) } == EINVAL)
        #expect(errnoOf { try f.fs.setlk(handle: h, owner: 1, lock: FileLock(start: 0, end: 2, type: 42)) } == EINVAL)
        #expect(errnoOf { try f.fs.getlk(handle: h, owner: 1, lock: FileLock(start: UInt64.max, end: UInt64.max, type: wr)) } == EINVAL)
        try f.fs.release(handle: h)
    }
}

/// A flag set from another thread.
final class Atomic_Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.lock(); flag = true; lock.unlock() }
    var value: Bool { lock.lock(); defer { lock.unlock() }; return flag }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int32?
    func set(_ v: Int32) { lock.lock(); stored = v; lock.unlock() }
    var value: Int32? { lock.lock(); defer { lock.unlock() }; return stored }
}
