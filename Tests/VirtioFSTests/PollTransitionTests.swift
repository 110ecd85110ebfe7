import FUSE
import Glibc
import Posix
import Testing
@testable import VhostUserDriver
@testable import VirtioFS

/// The kick protocol across poll/sleep transitions, with the real frontend driving an in-process
/// straitd: requests come at gaps chosen around the poll window (during the spin, at its edge,
/// while the kick is being armed, long after it), and every one must be answered. A request
/// published while the daemon is not looking and not kicked for (a NO_NOTIFY flag left set, an
/// avail_event not re-armed, a missing re-check after arming) would hang until the call timeout.
@Suite("polling never loses a request", .serialized)
struct PollTransitionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let poll: PollMode
        let eventIdx: Bool
        var testDescription: String { "poll \(poll), EVENT_IDX \(eventIdx ? "on" : "off")" }
    }

    static let cases = PollMode.allCases.flatMap { p in [true, false].map { Case(poll: p, eventIdx: $0) } }

    @Test(arguments: cases) func everyRequestAnsweredAcrossTransitions(_ c: Case) throws {
        let daemon = try InProcessDaemon(mode: .inline, poll: c.poll)
        let client = try daemon.connect(eventIdx: c.eventIdx)
        client.callTimeout = 5
        try client.initialize()
        var random = SplitMix64(seed: 11)
        // ns: back to back, inside a 50 us window, its edge, just past it, past the adaptive cap, long.
        let gaps: [UInt64] = [0, 2_000, 20_000, 48_000, 52_000, 120_000, 250_000, 2_000_000]
        var answered = 0
        for _ in 0..<800 {
            let gap = gaps[Int(random.next() % UInt64(gaps.count))] + random.next() % 4_000
            if gap < 300_000 {
                let until = monotonicNanoseconds() + gap
                while monotonicNanoseconds() < until {}
            } else {
                usleep(UInt32(gap / 1000))
            }
            _ = try client.getattr(node: FuseProtocol.rootID)
            answered += 1
        }
        #expect(answered == 800)
        if c.poll == .on {
            // The path under test ran: requests made while the thread spun were not kicked for.
            let counts = client.frontend.queues[1].kickCounts
            #expect(counts.suppressed > 0, "kicks \(counts.kicks), suppressed \(counts.suppressed)")
        }
        client.close()
        #expect(daemon.waitForExit())
    }
}
