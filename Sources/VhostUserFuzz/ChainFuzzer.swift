import VhostUserDriver
import FUSE
import Glibc
import Posix
import Synchronization
import VhostUser

/// What a fuzz run saw.
public struct FuzzReport: Sendable, CustomStringConvertible {
    public var cases = 0
    /// Cases the daemon completed (error reply or otherwise).
    public var answered = 0
    /// Cases after which the queue no longer answered (a broken queue: allowed, reconnected).
    public var brokenQueues = 0
    public var reconnects = 0
    /// Protocol violations by the daemon, and crashes. Empty means it survived.
    public var findings: [String] = []
    /// Tolerated oddities (findings only in strict mode), e.g. a looping chain followed until
    /// the queue-size limit and reported as written several times over.
    public var notes: [String] = []
    public var byKind: [String: Int] = [:]

    public var description: String {
        "\(cases) cases: \(answered) answered, \(brokenQueues) broke the queue, \(reconnects) reconnects, \(findings.count) findings"
    }
}

/// Seeded-random hostile descriptor chains and FUSE headers on a request queue: out-of-region
/// addresses, loops, zero and huge lengths, wrong directions, indirect tables pointing anywhere,
/// garbage and truncated headers. After each case a GETATTR checks the queue still works; a
/// broken queue is allowed (reconnect), a crash or a bogus used element is a finding.
public final class ChainFuzzer {
    public enum Kind: String, CaseIterable, Sendable {
        case outOfRegion, loop, zeroLength, hugeLength, wrongDirection, noWritable, nextOutOfRange
        case indirectBogus, indirectNested, indirectLoop, indirectWithNext, longIndirect
        case garbageHeader, truncatedHeader, lengthMismatch, randomOpcode
    }

    let target: FuzzedDaemon
    var rng: SplitMix64
    var configuration: FrontendConfiguration
    private var client: FuseClient?
    private var arena: GuestBuffer?
    public var caseTimeout: Double = 0.3
    /// Treat notes as findings (for straitd, which must refuse loops outright).
    public var strict = false

    public init(target: FuzzedDaemon, seed: UInt64, configuration: FrontendConfiguration = FrontendConfiguration()) {
        self.target = target
        rng = SplitMix64(seed: seed)
        var c = configuration
        c.memory = GuestMemoryLayout(size: 32 << 20, regionCount: 2)
        c.queueSize = 256
        self.configuration = c
    }

    deinit { client?.close() }

    func random() -> UInt64 { rng.next() }

    func below(_ n: Int) -> Int { rng.below(n) }

    private func connect() throws(DriverError) -> FuseClient {
        if let c = client { return c }
        let path = try target.socketPath()
        let c = try FuseClient(frontend: VhostUserFrontend(socketPath: path, configuration: configuration))
        c.callTimeout = 5
        try c.initialize()
        arena = try c.allocator.allocate(1 << 20, alignment: 4096)
        client = c
        return c
    }

    private func drop() {
        client?.close()
        client = nil
        arena = nil
        (target as? ProcessFuzzTarget)?.settle()
    }

    /// Runs `cases` cases; stops early on a crash.
    public func run(cases: Int, kinds: [Kind] = Kind.allCases) throws(DriverError) -> FuzzReport {
        var report = FuzzReport()
        for n in 0..<cases {
            if client == nil {
                do { _ = try connect() } catch {
                    if let crash = target.crashDescription() { report.findings.append("before case \(n): \(crash)"); break }
                    throw error
                }
                if n > 0 { report.reconnects += 1 }
            }
            guard let c = client, let arena else { break }
            let kind = kinds[below(kinds.count)]
            report.cases += 1
            report.byKind[kind.rawValue, default: 0] += 1
            let outcome = runCase(kind, c, arena)
            if let finding = outcome.finding { report.findings.append("case \(n) (\(kind.rawValue)): \(finding)") }
            if let note = outcome.note {
                if strict { report.findings.append("case \(n) (\(kind.rawValue)): \(note)") } else { report.notes.append("case \(n) (\(kind.rawValue)): \(note)") }
            }
            if outcome.answered { report.answered += 1 }
            // Is the queue still usable? An unanswered case means it is not: skip the wait.
            c.callTimeout = 1
            let healthy = outcome.answered && (try? c.getattr(node: FuseProtocol.rootID)) != nil
            if !healthy {
                report.brokenQueues += 1
                drop()
                if let crash = target.crashDescription() {
                    report.findings.append("case \(n) (\(kind.rawValue)): \(crash)")
                    break
                }
            }
        }
        drop()
        if let crash = target.crashDescription(), !report.findings.contains(where: { $0.contains(crash) }) {
            report.findings.append(crash)
        }
        return report
    }
}
