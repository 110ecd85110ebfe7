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
        try f.fs.setlk(handle: h1, owner: 1, lock: FileLock(start: 0, end: 4, type: wr), wait: false)
        // Another owner: conflict.
        #expect(errnoOf { try f.fs.setlk(handle: h2, owner: 2, lock: FileLock(start: 2, end: 3, type: rd), wait: false) } == EAGAIN)
        let seen = try f.fs.getlk(handle: h2, owner: 2, lock: FileLock(start: 0, end: UInt64(Int64.max), type: wr))
        #expect(seen.type == wr && seen.start == 0 && seen.end == 4)
        // Same owner through another handle: no conflict (POSIX locks belong to the owner).
        try f.fs.setlk(handle: h2, owner: 1, lock: FileLock(start: 2, end: 3, type: wr), wait: false)
        // Outside the range: fine.
        try f.fs.setlk(handle: h2, owner: 2, lock: FileLock(start: 5, end: 9, type: wr), wait: false)
        #expect(try f.fs.getlk(handle: h2, owner: 2, lock: FileLock(start: 6, end: 6, type: wr)).type == un)
        // Unlock by owner 1, then owner 2 gets it.
        try f.fs.setlk(handle: h1, owner: 1, lock: FileLock(start: 0, end: UInt64(Int64.max), type: un), wait: false)
        try f.fs.setlk(handle: h2, owner: 2, lock: FileLock(start: 0, end: 4, type: wr), wait: false)
        // Releasing with the lock owner drops that owner's locks.
        try f.fs.release(handle: h2, lockOwner: 2)
        try f.fs.setlk(handle: h1, owner: 3, lock: FileLock(start: 0, end: 9, type: wr), wait: false)
        try f.fs.release(handle: h1, lockOwner: 3)
    }

    @Test func setlkwBlocksUntilReleased() async throws {
        let f = try Fixture()
        f.dir.write("f", "x")
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        let h1 = try f.fs.open(node: e.node, flags: O_RDWR).handle
        let h2 = try f.fs.open(node: e.node, flags: O_RDWR).handle
        try f.fs.setlk(handle: h1, owner: 1, lock: FileLock(start: 0, end: 0, type: wr), wait: false)
        let fs = f.fs
        let granted = Atomic_Flag()
        let waiter = Thread {
            if (try? fs.setlk(handle: h2, owner: 2, lock: FileLock(start: 0, end: 0, type: Int32(F_WRLCK)), wait: true)) != nil {
                granted.set()
            }
        }
        waiter.start()
        try await Task.sleep(for: .milliseconds(300))
        #expect(!granted.value)
        // Other operations proceed while the waiter blocks (no table lock held).
        #expect(try f.fs.getattr(node: e.node).st_size == 1)
        try f.fs.flush(handle: h1, lockOwner: 1)  // close(2) by owner 1 drops its locks
        for _ in 0..<50 where !granted.value { try await Task.sleep(for: .milliseconds(50)) }
        #expect(granted.value)
        try f.fs.release(handle: h1)
        try f.fs.release(handle: h2, lockOwner: 2)
    }

    @Test func blockedSetlkwCanBeInterrupted() async throws {
        let f = try Fixture()
        f.dir.write("f", "x")
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        let h1 = try f.fs.open(node: e.node, flags: O_RDWR).handle
        let h2 = try f.fs.open(node: e.node, flags: O_RDWR).handle
        try f.fs.setlk(handle: h1, owner: 1, lock: FileLock(start: 0, end: 0, type: wr), wait: false)
        let fs = f.fs
        let result = ResultBox()
        let waiter = Thread {
            do {
                try fs.setlk(handle: h2, owner: 2, lock: FileLock(start: 0, end: 0, type: Int32(F_WRLCK)),
                             wait: true, waitToken: 77)
                result.set(0)
            } catch {
                result.set((error as? FSError)?.errno ?? -1)
            }
        }
        waiter.start()
        try await Task.sleep(for: .milliseconds(200))
        #expect(result.value == nil)
        #expect(!f.fs.interruptLockWait(token: 78))
        #expect(f.fs.interruptLockWait(token: 77))
        for _ in 0..<100 where result.value == nil { try await Task.sleep(for: .milliseconds(20)) }
        #expect(result.value == EINTR)
        #expect(f.fs.lockWaiters.count == 0)
        // The lock is still owner 1's, and a non-blocking attempt still conflicts.
        #expect(errnoOf { try f.fs.setlk(handle: h2, owner: 2, lock: FileLock(start: 0, end: 0, type: wr), wait: false) } == EAGAIN)
        try f.fs.release(handle: h1, lockOwner: 1)
        try f.fs.release(handle: h2, lockOwner: 2)
    }

    @Test func flockOnHandles() throws {
        let f = try Fixture()
        f.dir.write("f", "x")
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        let h1 = try f.fs.open(node: e.node, flags: O_RDONLY).handle
        let h2 = try f.fs.open(node: e.node, flags: O_RDONLY).handle
        try f.fs.flock(handle: h1, operation: LOCK_EX, wait: false)
        #expect(errnoOf { try f.fs.flock(handle: h2, operation: LOCK_SH, wait: false) } == EWOULDBLOCK)
        try f.fs.release(handle: h1, flockRelease: true)
        try f.fs.flock(handle: h2, operation: LOCK_SH, wait: false)
        #expect(errnoOf { try f.fs.flock(handle: h2, operation: 0, wait: false) } == EINVAL)
        try f.fs.release(handle: h2)
    }

    @Test func badLocksAreRejected() throws {
        let f = try Fixture()
        f.dir.write("f", "x")
        let e = try f.fs.lookup(parent: 1, name: bytes("f"))
        let h = try f.fs.open(node: e.node, flags: O_RDWR).handle
        #expect(errnoOf { try f.fs.setlk(handle: h, owner: 1, lock: FileLock(start: 5, end: 2, type: wr), wait: false) } == EINVAL)
        #expect(errnoOf { try f.fs.setlk(handle: h, owner: 1, lock: FileLock(start: 0, end: 2, type: 42), wait: false) } == EINVAL)
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
