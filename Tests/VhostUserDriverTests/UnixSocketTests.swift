import Foundation
import Glibc
import Posix
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
        let outcome = Outcome()
        let thread = JoinableThread(name: "connect") {
            let started = monotonicSeconds()
            do {
                _ = try UnixSocket.connect(path: path, timeout: 0.3)
                outcome.set("connected")
            } catch {
                outcome.set(String(format: "threw after %.2f s", monotonicSeconds() - started))
            }
        }
        try thread.start()
        let deadline = monotonicSeconds() + 10
        while outcome.get() == nil && monotonicSeconds() < deadline { usleep(10_000) }
        let result = outcome.get()
        // Still blocked (the bound is broken): drain the backlog so the connect completes and
        // the thread can be joined; the test then fails instead of hanging the suite.
        while result == nil && outcome.get() == nil {
            let accepted = accept(listener.fd.rawValue, nil, nil)
            if accepted >= 0 { Glibc.close(accepted) }
            usleep(10_000)
        }
        thread.join()
        #expect(result?.hasPrefix("threw after") == true, "connect: \(result ?? "still blocked after 10 s")")
        if let result, let seconds = Double(result.split(separator: " ")[2]) { #expect(seconds < 3) }
        _ = queued
    }
}

private final class Outcome: @unchecked Sendable {
    private let mutex = RecursiveMutex()
    private var value: String?
    func set(_ v: String) { mutex.withLock { value = v } }
    func get() -> String? { mutex.withLock { value } }
}
