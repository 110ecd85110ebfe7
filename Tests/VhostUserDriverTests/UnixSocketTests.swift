import Glibc
import Posix
import Synchronization
import Testing
import VhostUser
@testable import VhostUserDriver

@Suite("connecting to a daemon's socket")
struct UnixSocketTests {
    /// A daemon that stopped accepting with a full backlog must cost the caller its timeout,
    /// not hang it (connect() on a Unix socket otherwise blocks until the listener accepts).
    @Test("connect gives up at its timeout when the listener's backlog is full")
    func fullBacklogTimesOut() throws {
        let path = "/tmp/strait-unixsocket-\(getpid())-\(UInt32.random(in: 0 ... .max)).sock"
        defer { unlink(path) }
        let listener = try Listener(path: path)
        // listen(s, 1): Linux queues backlog + 1 connections, then blocks the next connect.
        let queued = try (0..<2).map { _ in try UnixSocket.connect(path: path, timeout: 2) }
        // How the connect ended (threw or not) and after how many seconds; nil while blocked.
        let outcome = Mutex<(threw: Bool, seconds: Double)?>(nil)
        let thread = JoinableThread(name: "connect") {
            let started = monotonicSeconds()
            let threw = (try? UnixSocket.connect(path: path, timeout: 0.3)) == nil
            outcome.withLock { $0 = (threw, monotonicSeconds() - started) }
        }
        try thread.start()
        let deadline = monotonicSeconds() + 10
        while outcome.withLock({ $0 }) == nil && monotonicSeconds() < deadline { usleep(10_000) }
        let result = outcome.withLock { $0 }
        // Still blocked (the bound is broken): drain the backlog so the connect completes and
        // the thread can be joined; the test then fails instead of hanging the suite.
        while result == nil && outcome.withLock({ $0 }) == nil {
            let accepted = accept(listener.fd.rawValue, nil, nil)
            if accepted >= 0 { Glibc.close(accepted) }
            usleep(10_000)
        }
        thread.join()
        #expect(result?.threw == true, "connect: \(result.map { $0.threw ? "threw" : "connected" } ?? "still blocked after 10 s")")
        if let result { #expect(result.seconds < 3) }
        _ = queued
    }
}
