import Testing
@testable import VirtioFS

@Suite struct AutoSwitchTests {
    @Test func cheapRequestsStayInlineAtAnyDepth() {
        #expect(!AutoSwitch.offload(depth: 16, threshold: 3, averageServiceNanoseconds: 2_000))
        #expect(!AutoSwitch.offload(depth: 128, threshold: 3, averageServiceNanoseconds: 19_999))
    }

    @Test func slowRequestsGoToThePoolAboveTheThreshold() {
        #expect(AutoSwitch.offload(depth: 4, threshold: 3, averageServiceNanoseconds: 20_000))
        #expect(AutoSwitch.offload(depth: 16, threshold: 3, averageServiceNanoseconds: 500_000))
        // At or below the threshold even slow requests stay inline (lowest latency at low depth).
        #expect(!AutoSwitch.offload(depth: 3, threshold: 3, averageServiceNanoseconds: 500_000))
        #expect(!AutoSwitch.offload(depth: 1, threshold: 0, averageServiceNanoseconds: 0))
        #expect(AutoSwitch.offload(depth: 1, threshold: 0, averageServiceNanoseconds: 50_000))
    }

    @Test func averageFollowsTheWorkload() {
        var average: UInt64 = 0
        for _ in 0..<64 { average = AutoSwitch.average(average, sample: 100_000) }
        #expect(average > 95_000 && average <= 100_000)
        #expect(AutoSwitch.offload(depth: 16, threshold: 3, averageServiceNanoseconds: average))
        // The workload turns cheap: within a few dozen requests the ring is back inline.
        var steps = 0
        while AutoSwitch.offload(depth: 16, threshold: 3, averageServiceNanoseconds: average) {
            average = AutoSwitch.average(average, sample: 1_000)
            steps += 1
        }
        #expect(steps > 5 && steps < 32)
    }

    @Test func oneStuckRequestDoesNotDominate() {
        let average = AutoSwitch.average(2_000, sample: 60_000_000_000)
        #expect(average == 2_000 - 250 + 2 * AutoSwitch.handoffWorthNanoseconds / 8)
        // One preempted (or stuck) request among cheap ones keeps them inline.
        #expect(!AutoSwitch.offload(depth: 16, threshold: 3, averageServiceNanoseconds: average))
        // Long samples never weigh more than the cap, however large the average.
        #expect(AutoSwitch.average(UInt64.max / 2, sample: UInt64.max) <= UInt64.max / 2)
        let big = AutoSwitch.average(8_000_000, sample: 60_000_000_000)
        #expect(big == 8_000_000 - 1_000_000 + AutoSwitch.maxSampleNanoseconds / 8)
    }

    @Test func requestsThatTurnSlowReachThePoolWithinAFewRequests() {
        var average: UInt64 = 2_000
        var steps = 0
        while !AutoSwitch.offload(depth: 16, threshold: 3, averageServiceNanoseconds: average) {
            average = AutoSwitch.average(average, sample: 500_000)
            steps += 1
        }
        #expect(steps == 4)
        // And then the average climbs to the real service time.
        for _ in 0..<64 { average = AutoSwitch.average(average, sample: 500_000) }
        #expect(average > 490_000 && average <= 500_000)
    }
}
