import FUSE
import Glibc
import Passthrough
import Synchronization

/// A SETLKW that could not take its lock at once. It is retried off the queue thread with a
/// non-blocking attempt, so no worker ever sleeps in the kernel for a guest lock and INTERRUPT
/// (or RELEASE/DESTROY) can end it with EINTR at any point without racing a granted lock.
final class LockWaiter: Sendable {
    enum State { case waiting, ended }
    let unique: UInt64
    let handle: UInt64
    let buffers: RequestBuffers
    let complete: @Sendable (UInt32) -> Void
    let attempt: @Sendable () throws(FSError) -> Void
    private let state = Mutex<State>(.waiting)
    /// Nanoseconds before the next try: doubles from 1 ms up to 20 ms.
    private let delay = Atomic<UInt64>(1_000_000)

    init(unique: UInt64, handle: UInt64, buffers: RequestBuffers,
         complete: @escaping @Sendable (UInt32) -> Void, attempt: @escaping @Sendable () throws(FSError) -> Void) {
        self.unique = unique
        self.handle = handle
        self.buffers = buffers
        self.complete = complete
        self.attempt = attempt
    }

    /// One try under the waiter's lock: nil while the lock is still busy, else the final reply.
    /// An attempt never blocks (F_OFD_SETLK / LOCK_NB), so holding the mutex across it is fine.
    func step() -> Reply? {
        state.withLock { s -> Reply? in
            guard s == .waiting else { return nil }
            do throws(FSError) {
                try attempt()
                s = .ended
                return .ok([])
            } catch where FuseDispatcher.isContention(error.errno) {
                return nil
            } catch {
                s = .ended
                return .error(error.errno)
            }
        }
    }

    func nextDelay() -> UInt64 {
        let next = min(delay.load(ordering: .relaxed) * 2, 20_000_000)
        delay.store(next, ordering: .relaxed)
        return next
    }

    /// Ends the wait if it is still running; true when the caller must send `reply`.
    func cancel() -> Bool {
        state.withLock { s in
            guard s == .waiting else { return false }
            s = .ended
            return true
        }
    }

    func send(_ reply: Reply) {
        complete(FuseDispatcher.finish(buffers, unique: unique, reply))
    }
}

extension FuseDispatcher {
    static func isContention(_ e: Int32) -> Bool { e == EAGAIN || e == EACCES || e == EWOULDBLOCK }

    func getlk(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseLkIn.self)
        let l = try fs.getlk(handle: x.fh, owner: x.owner, lock: Self.fileLock(x.lk))
        let out = FuseFileLock(start: l.start, end: l.end, type: UInt32(bitPattern: l.type), pid: l.pid)
        return .ok(FuseLkOut(lk: out).bytes)
    }

    /// SETLK / SETLKW, POSIX (OFD) or, with FUSE_LK_FLOCK, BSD flock.
    func setlk(_ r: Request, _ a: inout ByteCursor, wait: Bool,
               _ complete: @escaping @Sendable (UInt32) -> Void) throws(FSError) -> Reply
    {
        let x = try a.decode(FuseLkIn.self)
        let fs = self.fs
        let attempt: @Sendable () throws(FSError) -> Void
        if x.lkFlags & FuseFlag.lkFlock != 0 {
            let op: Int32
            switch Int32(bitPattern: x.lk.type) {
            case Int32(F_RDLCK): op = LOCK_SH
            case Int32(F_WRLCK): op = LOCK_EX
            case Int32(F_UNLCK): op = LOCK_UN
            default: throw FSError(errno: EINVAL, message: "flock type \(x.lk.type)")
            }
            attempt = { () throws(FSError) in try fs.flock(handle: x.fh, operation: op) }
        } else {
            let lock = Self.fileLock(x.lk)
            attempt = { () throws(FSError) in try fs.setlk(handle: x.fh, owner: x.owner, lock: lock) }
        }
        do {
            try attempt()
            return .ok([])
        } catch where wait && Self.isContention(error.errno) {
            let w = LockWaiter(unique: r.header.unique, handle: x.fh, buffers: r.buffers,
                               complete: complete, attempt: attempt)
            waiters.withLock { $0[w.unique] = w }
            schedule(w, after: 1_000_000)
            return .later
        }
    }

    /// Retries with backoff (1 ms doubling to 20 ms) on the dispatcher's retry thread.
    private func schedule(_ w: LockWaiter, after delay: UInt64) {
        let scheduled = retries.schedule(after: delay) { [weak self] () -> UInt64? in
            guard let self else {
                if w.cancel() { w.send(.error(EINTR)) }
                return nil
            }
            if let reply = w.step() {
                self.waiters.withLock { _ = $0.removeValue(forKey: w.unique) }
                w.send(reply)
                return nil
            }
            return self.waiters.withLock({ $0[w.unique] === w }) ? w.nextDelay() : nil
        }
        if !scheduled {
            waiters.withLock { _ = $0.removeValue(forKey: w.unique) }
            if w.cancel() { w.send(.error(ENOLCK)) }
        }
    }

    /// Ends every waiting SETLKW that matches with EINTR.
    func cancelWaiters(where match: (LockWaiter) -> Bool) {
        let victims = waiters.withLock { table -> [LockWaiter] in
            let found = table.values.filter(match)
            for w in found { table.removeValue(forKey: w.unique) }
            return found
        }
        for w in victims where w.cancel() { w.send(.error(EINTR)) }
    }

    /// The queue stops: its waiting SETLKW requests end with EINTR while the ring still runs.
    public func cancelWaiting(queue: Int) {
        cancelWaiters { $0.buffers.queue == queue }
    }

    /// Number of SETLKW requests still waiting (for tests and diagnostics).
    public var waitingLocks: Int { waiters.withLock { $0.count } }

    func interrupt(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        let x = try a.decode(FuseInterruptIn.self)
        // Only a waiting SETLKW can be interrupted; everything else finishes on its own.
        cancelWaiters { $0.unique == x.unique }
        return .none
    }

    static func fileLock(_ l: FuseFileLock) -> FileLock {
        FileLock(start: l.start, end: l.end, type: Int32(bitPattern: l.type), pid: l.pid)
    }
}
