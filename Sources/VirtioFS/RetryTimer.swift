import CShims
import Glibc
import Posix
import Synchronization
import VhostUser

/// Runs delayed retries on one thread of its own, started on first use: what a waiting SETLKW
/// needs (try again in 1 ms, then 2, 4 ... 20 ms) without libdispatch in the daemon and without
/// any thread sleeping in the kernel on a lock the guest holds.
final class RetryTimer: Sendable {
    /// A retry returns the delay before the next try, in nanoseconds, or nil when it is done.
    typealias Action = @Sendable () -> UInt64?

    private struct Entry {
        let due: UInt64
        let action: Action
    }

    private struct State {
        var entries: [Entry] = []
        var started = false
        var stopping = false
    }

    private let state = Mutex(State())
    private let wake: OwnedFD?
    private let name: String

    init(name: String) {
        self.name = name
        let fd = strait_eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        wake = fd >= 0 ? OwnedFD(fd) : nil
    }

    /// Runs `action` after `delay` nanoseconds, and again after each delay it returns. False when
    /// the timer cannot run (no eventfd or thread, or stopped): the caller answers at once instead.
    func schedule(after delay: UInt64, _ action: @escaping Action) -> Bool {
        guard wake != nil else { return false }
        let due = monotonicNanoseconds() &+ delay
        let startThread: Bool? = state.withLock { s in
            if s.stopping { return nil }
            s.entries.append(Entry(due: due, action: action))
            defer { s.started = true }
            return !s.started
        }
        guard let startThread else { return false }
        if startThread {
            guard PosixThread.start(name: name, { [self] in run() }) else {
                state.withLock { $0.started = false; $0.entries.removeAll() }
                return false
            }
        }
        poke()
        return true
    }

    /// Ends the thread; pending retries are dropped (their owner cancels them first).
    func stop() {
        state.withLock { $0.stopping = true }
        poke()
    }

    private func poke() {
        guard let wake else { return }
        var one: UInt64 = 1
        _ = write(wake.rawValue, &one, 8)
    }

    private func run() {
        guard let wake else { return }
        while true {
            let now = monotonicNanoseconds()
            let (due, next, stopping) = state.withLock { s -> ([Entry], UInt64?, Bool) in
                let due = s.entries.filter { $0.due <= now }
                s.entries.removeAll { $0.due <= now }
                return (due, s.entries.map(\.due).min(), s.stopping)
            }
            if stopping { return }
            for entry in due {
                if let delay = entry.action() {
                    state.withLock { $0.entries.append(Entry(due: monotonicNanoseconds() &+ delay, action: entry.action)) }
                }
            }
            if !due.isEmpty { continue }
            let timeout: Int32 = next.map { Int32(min(($0 &- now) / 1_000_000 + 1, 1000)) } ?? -1
            var fd = pollfd(fd: wake.rawValue, events: Int16(POLLIN), revents: 0)
            _ = poll(&fd, 1, timeout)
            var drained: UInt64 = 0
            _ = read(wake.rawValue, &drained, 8)
        }
    }
}
