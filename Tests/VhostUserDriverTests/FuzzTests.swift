import DaemonLaunch
import Glibc
import Testing
@testable import VhostUserDriver
@testable import VhostUserFuzz

/// Seeded-random robustness runs. STRAIT_FUZZ_CASES scales them (default 60 chains, 20 messages).
@Suite("seeded fuzzing of real daemons", .serialized)
struct FuzzTests {
    static var cases: Int {
        getenv("STRAIT_FUZZ_CASES").flatMap { Int(String(cString: $0)) } ?? 60
    }

    func target(_ daemon: DaemonCommandLine) throws -> (ProcessFuzzTarget, DaemonFixture)? {
        let fixture = try DaemonFixture(daemon)
        fixture.process.stop()
        return (ProcessFuzzTarget(command: daemon, sharedDirectory: fixture.shared, workDirectory: fixture.root), fixture)
    }

    @Test("hostile descriptor chains and FUSE headers", arguments: PeerDaemons.runnable)
    func chains(_ daemon: DaemonCommandLine) throws {
        guard let (t, fixture) = try target(daemon) else { return }
        defer { t.stop(); _ = fixture }
        let report = try ChainFuzzer(target: t, seed: 7).run(cases: Self.cases)
        print("\(daemon.name) chains: \(report) \(report.byKind.sorted { $0.key < $1.key })")
        for f in report.findings { print("  finding: \(f)") }
        for n in report.notes.prefix(3) { print("  note: \(n)") }
        #expect(report.cases == Self.cases)
        #expect(report.answered > 0)
        #expect(report.findings.isEmpty)
    }

    @Test("malformed vhost-user messages", arguments: PeerDaemons.runnable)
    func messages(_ daemon: DaemonCommandLine) throws {
        guard let (t, fixture) = try target(daemon) else { return }
        defer { t.stop(); _ = fixture }
        let report = try MessageFuzzer(target: t, seed: 11).run(cases: Self.cases / 3)
        print("\(daemon.name) messages: \(report)")
        for f in report.findings { print("  finding: \(f)") }
        #expect(report.cases == Self.cases / 3)
        #expect(report.findings.isEmpty)
    }
}
