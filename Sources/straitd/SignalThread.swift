import CShims
import Glibc
import Logging
import Posix

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
        guard PosixThread.start(name: "signals", { wait(logger: logger, cleanup: cleanup) }) else {
            throw .system("starting the signal thread")
        }
    }

    private static func wait(logger: Logger, cleanup: @Sendable () -> Void) -> Never {
        var set = signalSet()
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        logger.info("signal received, exiting", metadata: ["signal": "\(received)"])
        cleanup()
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
