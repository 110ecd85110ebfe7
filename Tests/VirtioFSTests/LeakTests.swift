import Foundation
import Glibc
import Testing
import VhostUserDriver
import VhostUserFuzz
@testable import VirtioFS

/// Fuzzing straitd's stack in this process, where a crash fails the test run itself and every
/// fd the daemon side opens is visible in /proc/self/fd.
final class InProcessFuzzTarget: FuzzedDaemon {
    let daemon: InProcessDaemon
    private var serving = true

    init(_ daemon: InProcessDaemon) { self.daemon = daemon }

    func socketPath() throws(DriverError) -> String {
        // Like straitd, the server ends with its frontend: serve again for the next connection.
        if serving && daemon.hasExited() { serving = false }
        if !serving {
            do { try daemon.serve() } catch { throw DriverError(.daemon, "cannot serve again: \(error)") }
            serving = true
        }
        return daemon.socket
    }

    func crashDescription() -> String? { nil }
}

func openFDs() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).sorted()
}

@Suite("straitd under hostile input leaks nothing", .serialized)
struct LeakTests {
    /// Runs in a child process of its own (an exit test), so fds opened by tests running in
    /// parallel cannot be mistaken for leaks, and a leak cannot hide among them.
    @Test("hostile chains and malformed vhost-user messages leave no fd behind")
    func noFDLeaks() async throws {
        // The child reports on stderr; it exits 0 unless it crashed, which fails the test too.
        let result = try #require(await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            do {
                let leaked = try LeakCheck.run()
                FileHandle.standardError.write(Data("leaked=\(leaked)\n".utf8))
            } catch {
                FileHandle.standardError.write(Data("leak check failed to run: \(error)\n".utf8))
            }
        })
        let report = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(report.contains("leaked=0\n") || report.contains("leaked=-"), "\(report)")
    }
}

enum LeakCheck {
    /// Fuzzes straitd's stack in this process; returns fds open after minus before.
    static func run() throws -> Int {
        let daemon = try InProcessDaemon(mode: .auto(threads: 2, threshold: 3))
        // One clean session first, so lazily created process-wide fds are not counted as leaks.
        let warm = try daemon.connect(queues: 2)
        try warm.initialize()
        warm.close()
        guard daemon.waitForExit() else { throw DriverError(.timeout, "warm-up session did not end") }
        let before = openFDs()

        let target = InProcessFuzzTarget(daemon)
        let chains = try ChainFuzzer(target: target, seed: 3).run(cases: 80)
        let messages = try MessageFuzzer(target: target, seed: 5).run(cases: 40)
        guard chains.findings.isEmpty, messages.findings.isEmpty, chains.cases == 80, messages.cases == 40 else {
            throw DriverError(.protocolViolation, "fuzz findings: \(chains.findings) \(messages.findings)")
        }
        _ = daemon.waitForExit()
        // Worker and pool threads finish asynchronously after the session: give them a moment.
        var after = openFDs()
        for _ in 0..<100 where after.count > before.count {
            usleep(20_000)
            after = openFDs()
        }
        if after.count > before.count {
            let added = Set(after).subtracting(before).sorted()
            for fd in added {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd)) ?? "?"
                FileHandle.standardError.write(Data("leaked fd \(fd) -> \(target)\n".utf8))
            }
        }
        return after.count - before.count
    }
}
