import CShims
import Glibc
import Synchronization

/// Threads blocked in F_OFD_SETLKW, by the caller's token (the FUSE request's unique), so an
/// INTERRUPT or a shutdown can wake them: the thread gets SIGURG, whose handler does nothing
/// and is installed without SA_RESTART, so fcntl returns EINTR.
final class LockWaiters: Sendable {
    static let wakeSignal = SIGURG

    /// Installed once per process, on first use.
    private static let installed: Bool = strait_install_wake_signal(SIGURG) == 0

    private struct Waiter {
        let thread: UInt
        var cancelled: Bool
    }

    private let state = Mutex<[UInt64: Waiter]>([:])

    /// Blocks in `call` (which returns -1/errno on failure) until it succeeds, fails, or
    /// `cancel(token)` is called, which makes it throw EINTR.
    func wait(token: UInt64, what: String, _ call: () -> Int32) throws(FSError) {
        guard Self.installed else { throw FSError(errno: ENOLCK, message: "no wake signal") }
        let registered = state.withLock { waiters -> Bool in
            if waiters[token] != nil { return false }
            waiters[token] = Waiter(thread: UInt(strait_thread_self()), cancelled: false)
            return true
        }
        guard registered else { throw FSError(errno: EBUSY, message: "lock wait token \(token) in use") }
        // Worker threads often block all signals (signalfd in the main loop): let ours through
        // while waiting, and put the mask back afterwards.
        let wasBlocked = strait_thread_unblock_signal(Self.wakeSignal) == 1
        defer {
            _ = state.withLock { $0.removeValue(forKey: token) }
            if wasBlocked { _ = strait_thread_block_signal(Self.wakeSignal) }
        }
        while true {
            if state.withLock({ $0[token]?.cancelled ?? true }) {
                throw FSError(errno: EINTR, message: "\(what) interrupted")
            }
            if call() != -1 { return }
            let code = Glibc.errno
            if code != EINTR { throw FSError(errno: code == EMFILE ? ENFILE : code, message: what) }
        }
    }

    /// Wakes the waiter with `token`; false when there is none. Signals again until the waiter
    /// has left, which closes the race with a waiter that is just entering fcntl.
    @discardableResult
    func cancel(token: UInt64) -> Bool {
        guard let thread = state.withLock({ waiters -> UInt? in
            waiters[token]?.cancelled = true
            return waiters[token]?.thread
        }) else { return false }
        for _ in 0..<1000 {
            guard state.withLock({ $0[token] != nil }) else { break }
            _ = strait_thread_wake(thread, Self.wakeSignal)
            usleep(1000)
        }
        return true
    }

    /// Wakes every waiter (shutdown).
    func cancelAll() {
        let tokens = state.withLock { Array($0.keys) }
        for token in tokens { cancel(token: token) }
    }

    var count: Int { state.withLock { $0.count } }
}
