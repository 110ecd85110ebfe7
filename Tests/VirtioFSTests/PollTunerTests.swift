import Testing
@testable import VirtioFS

@Suite struct PollTunerTests {
    @Test func capIsTwoWakeupsWithinBounds() {
        #expect(PollTuner(wakeupNanoseconds: 30_000).cap == 60_000)
        #expect(PollTuner(wakeupNanoseconds: 100).cap == PollTuner.minCap)
        #expect(PollTuner(wakeupNanoseconds: 1_000_000).cap == PollTuner.maxCap)
        let t = PollTuner(wakeupNanoseconds: 40_000)
        #expect(t.window == t.start && t.start == 10_000)
    }

    /// A guest whose next request comes 60 us after a completion, within reach of the cap (80 us
    /// here): each sleep shows the request came soon after the thread gave up, so the window grows
    /// (x2) until it catches it, then stays at the cap.
    @Test func gapsWithinReachGrowTheWindowUntilItCatches() {
        var t = PollTuner(wakeupNanoseconds: 40_000)
        let gap: UInt64 = 60_000
        var seen: [UInt64] = []
        for _ in 0..<6 {
            if t.window >= gap { t.hit(after: gap) } else { t.missed(spunFor: t.window, blockedFor: gap - t.window) }
            seen.append(t.window)
        }
        #expect(seen == [20_000, 40_000, 80_000, 80_000, 80_000, 80_000])
        #expect(t.cap == 80_000)
    }

    /// Requests that come long after the window shrink it to nothing; one that then comes soon
    /// after a sleep brings it back at the start value.
    @Test func longGapsShrinkToZeroAndAShortOneRestarts() {
        var t = PollTuner(wakeupNanoseconds: 40_000)
        for _ in 0..<3 { t.missed(spunFor: t.window, blockedFor: 10_000_000) }
        #expect(t.window == 0)
        t.missed(spunFor: 0, blockedFor: 10_000_000)
        #expect(t.window == 0)
        t.missed(spunFor: 0, blockedFor: 30_000)
        #expect(t.window == t.start)
    }

    /// Early hits leave the window alone (it pays: each saves a wakeup for a fraction of one
    /// spun); a hit in the window's second half grows it.
    @Test func earlyHitsKeepTheWindowLateOnesGrowIt() {
        var t = PollTuner(wakeupNanoseconds: 40_000)
        for _ in 0..<(PollTuner.period * 3) { t.hit(after: 2_000) }
        #expect(t.window == t.start)
        t.hit(after: t.window * 3 / 4)
        #expect(t.window == t.start * 2)
    }

    /// Spinning that rarely catches anything does not pay and is halved at each period's check,
    /// even when the misses alone would grow it (each request came right after the window, while
    /// the kick was being armed): one hit per period saves 2 x 10 us against ~600 us spun.
    @Test func aWindowThatDoesNotPayIsHalved() {
        var t = PollTuner(wakeupNanoseconds: 10_000)
        var windows: [UInt64] = []
        for _ in 0..<3 {
            t.hit(after: 1_000)
            for _ in 1..<PollTuner.period { t.missed(spunFor: t.window, blockedFor: 0) }
            windows.append(t.window)
        }
        #expect(windows == [t.cap / 2, t.cap / 2, t.cap / 2])
    }

    /// 20 of 32 episodes hits, 12 requests caught just after the window: the hits save
    /// 20 x 2 x 80 us against < 2 ms spun, so the check leaves the window at the cap.
    @Test func aWindowThatPaysIsKept() {
        var t = PollTuner(wakeupNanoseconds: 80_000)
        for _ in 0..<3 {
            for _ in 0..<20 { t.hit(after: 1_000) }
            for _ in 20..<PollTuner.period { t.missed(spunFor: t.window, blockedFor: 0) }
            #expect(t.window == t.cap)
        }
    }
}

@Suite struct PollHostTests {
    @Test func runnableThreadsParsedFromLoadavg() {
        func parse(_ s: String) -> Int? { Array(s.utf8).withUnsafeBytes { PollHost.parseRunnable($0) } }
        #expect(parse("0.52 0.58 0.59 2/345 12345\n") == 2)
        #expect(parse("10.00 9.00 8.00 17/1024 999\n") == 17)
        #expect(parse("0.00 0.00 0.00 /1 1\n") == nil)
        #expect(parse("garbage") == nil)
    }

    /// Measured for real: a wakeup on any host is above a few hundred nanoseconds and far below
    /// a second; the live run queue includes the thread asking.
    @Test func wakeupCostAndRunQueueAreMeasured() throws {
        let host = PollHost(mode: .adaptive)
        #expect(host.wakeupNanoseconds > 200 && host.wakeupNanoseconds < 1_000_000_000)
        let runnable = try #require(host.runnableThreads())
        #expect(runnable >= 1)
        #expect(host.cores >= 1)
        #expect(PollHost(mode: .off).runnableThreads() == nil)
    }
}
