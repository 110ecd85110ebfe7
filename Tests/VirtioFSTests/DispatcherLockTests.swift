import FUSE
import Glibc
import Passthrough
import Testing

@testable import VirtioFS

/// POSIX (OFD) locks, flock, and SETLKW completing later without stalling other requests.
@Suite struct DispatcherLockTests {
    func lk(_ fh: UInt64, owner: UInt64, type: Int32, start: UInt64 = 0, end: UInt64 = UInt64(Int64.max),
            flock: Bool = false) -> [UInt8] {
        FuseLkIn(fh: fh, owner: owner, lk: FuseFileLock(start: start, end: end, type: UInt32(type), pid: 1),
                 lkFlags: flock ? FuseFlag.lkFlock : 0).bytes
    }

    @Test func getlkReportsTheConflictingLock() throws {
        let h = try DispatcherHarness()
        let f = try #require(h.create("l"))
        let g = try #require(h.open(f.node))
        #expect(h.send(.setlk, node: f.node, args: [lk(f.fh, owner: 1, type: F_WRLCK, start: 10, end: 19)]).error == 0)
        let r = h.send(.getlk, node: f.node, args: [lk(g, owner: 2, type: F_WRLCK)])
        let out = try FuseLkOut(bytes: r.body).lk
        #expect(out.type == UInt32(F_WRLCK) && out.start == 10 && out.end == 19)
        #expect(h.send(.setlk, node: f.node, args: [lk(g, owner: 2, type: F_RDLCK, start: 15, end: 15)]).error == -EAGAIN)
        let free = h.send(.getlk, node: f.node, args: [lk(g, owner: 2, type: F_WRLCK, start: 100, end: 200)])
        #expect(try FuseLkOut(bytes: free.body).lk.type == UInt32(F_UNLCK))
    }

    @Test func setlkwWaitsOffTheQueueAndCompletesWhenReleased() throws {
        let h = try DispatcherHarness()
        let f = try #require(h.create("w"))
        let g = try #require(h.open(f.node))
        #expect(h.send(.setlk, node: f.node, args: [lk(f.fh, owner: 1, type: F_WRLCK)]).error == 0)
        let waiter = h.startRequest(.setlkw, node: f.node, args: [lk(g, owner: 2, type: F_WRLCK)], unique: 9000)
        usleep(50_000)
        #expect(!waiter.isDone)
        #expect(h.dispatcher.waitingLocks == 1)
        // The queue keeps going while the waiter waits.
        #expect(h.send(.getattr, node: f.node, args: [FuseGetattrIn().bytes]).error == 0)
        #expect(h.send(.setlk, node: f.node, args: [lk(f.fh, owner: 1, type: F_UNLCK)]).error == 0)
        let r = waiter.wait(timeout: 5)
        #expect(r.error == 0 && r.header?.unique == 9000)
        #expect(waiter.completions == 1)
        #expect(h.dispatcher.waitingLocks == 0)
        // Now owner 2 holds it.
        #expect(h.send(.setlk, node: f.node, args: [lk(f.fh, owner: 1, type: F_RDLCK)]).error == -EAGAIN)
    }

    @Test func interruptEndsAWaitingSetlkwWithEINTR() throws {
        let h = try DispatcherHarness()
        let f = try #require(h.create("i"))
        let g = try #require(h.open(f.node))
        #expect(h.send(.setlk, node: f.node, args: [lk(f.fh, owner: 1, type: F_WRLCK)]).error == 0)
        let waiter = h.startRequest(.setlkw, node: f.node, args: [lk(g, owner: 2, type: F_RDLCK)], unique: 777)
        usleep(20_000)
        let i = h.send(.interrupt, args: [FuseInterruptIn(unique: 777).bytes])
        #expect(i.written == 0)
        let r = waiter.wait(timeout: 5)
        #expect(r.error == -EINTR && r.header?.unique == 777)
        // Releasing the holder later must not complete the request a second time.
        #expect(h.send(.setlk, node: f.node, args: [lk(f.fh, owner: 1, type: F_UNLCK)]).error == 0)
        usleep(50_000)
        #expect(waiter.completions == 1)
        #expect(h.send(.getlk, node: f.node, args: [lk(g, owner: 3, type: F_WRLCK)]).body == FuseLkOut(lk: FuseFileLock(type: UInt32(F_UNLCK))).bytes)
    }

    @Test func flockThroughLkFlock() throws {
        let h = try DispatcherHarness()
        let f = try #require(h.create("fl"))
        let g = try #require(h.open(f.node))
        #expect(h.send(.setlk, node: f.node, args: [lk(f.fh, owner: 1, type: F_WRLCK, flock: true)]).error == 0)
        #expect(h.send(.setlk, node: f.node, args: [lk(g, owner: 2, type: F_RDLCK, flock: true)]).error == -EAGAIN)
        let waiter = h.startRequest(.setlkw, node: f.node, args: [lk(g, owner: 2, type: F_RDLCK, flock: true)], unique: 55)
        usleep(20_000)
        #expect(!waiter.isDone)
        // RELEASE with FLOCK_UNLOCK drops the holder's flock; the waiter then gets it.
        #expect(h.send(.release, node: f.node, args: [FuseReleaseIn(fh: f.fh, releaseFlags: FuseFlag.releaseFlockUnlock).bytes]).error == 0)
        #expect(waiter.wait(timeout: 5).error == 0)
    }

    @Test func destroyEndsWaiters() throws {
        let h = try DispatcherHarness()
        let f = try #require(h.create("d"))
        let g = try #require(h.open(f.node))
        #expect(h.send(.setlk, node: f.node, args: [lk(f.fh, owner: 1, type: F_WRLCK)]).error == 0)
        let waiter = h.startRequest(.setlkw, node: f.node, args: [lk(g, owner: 2, type: F_WRLCK)], unique: 4242)
        usleep(20_000)
        #expect(h.send(.destroy).error == 0)
        #expect(waiter.wait(timeout: 5).error == -EINTR)
    }
}
