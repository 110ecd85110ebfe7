import CShims
import Glibc
import Logging

/// SIGTERM, SIGINT and SIGHUP end straitd cleanly: a dedicated thread waits for them with
/// sigwait (no async-signal-safety puzzles), removes the socket and exits 0, like virtiofsd.
enum SignalThread {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// Blocks the signals in the calling thread; threads started afterwards inherit the mask,
    /// so only the waiter ever sees them. Call first thing in main, before any thread exists.
    static func blockSignals() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        // A frontend that vanishes mid-write must give EPIPE, not kill the daemon.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Starts the waiter. `cleanup` runs on it before the process exits. As PID 1 of a PID
    /// namespace the process only receives signals it has handlers for: do-nothing handlers make
    /// them deliverable, and since they stay blocked only the waiter's sigwait sees them.
    static func start(logger: Logger, asNamespaceInit: Bool = false,
                      cleanup: @escaping @Sendable () -> Void) throws(StartupError) {
        if asNamespaceInit {
            for signal in handled where strait_install_noop_handler(signal) != 0 {
                throw .system("handler for signal \(signal)")
            }
        }
        let context = Context(logger: logger, cleanup: cleanup)
        let box = Unmanaged.passRetained(context).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let context = Unmanaged<Context>.fromOpaque(raw).takeRetainedValue()
            SignalThread.wait(context)
        }, box)
        guard result == 0 else {
            Unmanaged<Context>.fromOpaque(box).release()
            errno = result
            throw .system("starting the signal thread")
        }
        pthread_detach(thread)
    }

    private final class Context: Sendable {
        let logger: Logger
        let cleanup: @Sendable () -> Void
        init(logger: Logger, cleanup: @escaping @Sendable () -> Void) {
            self.logger = logger
            self.cleanup = cleanup
        }
    }

    private static func wait(_ context: Context) -> Never {
        var set = signalSet()
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        context.logger.info("signal received, exiting", metadata: ["signal": "\(received)"])
        context.cleanup()
        // _exit: the queue threads may be mid-request; no atexit work may race them.
        _exit(0)
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        return set
    }
}
