import Testing
@testable import Stats

/// Instruction counts: smallest count per side, noise band from the two cleanest runs, no
/// Mann-Whitney and no place in the Holm family.
struct CountedTests {
    @Test func aCountBeyondTheToleranceIsARegressionWithThreeRuns() throws {
        let c = try Comparison.compare(metric: "ops.instructions", baseline: [5000, 5001, 5400], candidate: [5200, 5202, 5900], tolerance: 0.02)
        #expect(c.direction == .lowerIsBetter)
        #expect(c.ratio?.estimate == 5200.0 / 5000.0)
        #expect(c.verdict == .regression)
        #expect(c.detectability?.minimumDetectable.map { $0 < 0.001 } == true)
    }

    @Test func theSameBinaryWithABurstIsNoChange() throws {
        // One run of each side counted a burst more: the smallest counts agree.
        let c = try Comparison.compare(metric: "ops.instructions", baseline: [5932, 6300, 5933], candidate: [5931, 5932, 6150], tolerance: 0.02)
        #expect(c.verdict == .noChange)
        #expect(c.detectability?.isBlind(tolerance: 0.02) == false)
    }

    @Test func noisyOrSingleCountsAreBlind() throws {
        let noisy = try Comparison.compare(metric: "ops.instructions", baseline: [5000, 5300], candidate: [5000, 5001], tolerance: 0.02)
        #expect(noisy.detectability?.isBlind(tolerance: 0.02) == true)
        #expect(noisy.verdict == .noChange)
        let single = try Comparison.compare(metric: "ops.instructions", baseline: [5000], candidate: [9000], tolerance: 0.02)
        #expect(single.detectability?.minimumDetectable == nil)
        #expect(single.verdict == .noChange)
        let decided = GatePolicy().decide(GateCell(cellID: "c", baseline: .pass, candidate: .pass, metrics: [single]))
        #expect(decided.verdict.label == "blind" && !decided.passes)
    }

    @Test func countsStayOutOfTheHolmFamily() throws {
        var family = [
            try Comparison.compare(metric: "ops.instructions", baseline: [100, 100, 100], candidate: [110, 110, 110], tolerance: 0.02),
            try Comparison.compare(metric: "ops.iops", baseline: [1, 2, 3, 4, 5, 6, 7, 8], candidate: [11, 12, 13, 14, 15, 16, 17, 18], tolerance: 0.1),
        ]
        GatePolicy().control(&family)
        #expect(family[0].adjustedP == nil)
        #expect(family[0].verdict == .regression)
        #expect(family[1].adjustedP == family[1].test.pValue)  // a family of one
        #expect(family[1].detectability?.family == 1)
    }
}

/// Fuzz cells measure nothing: both sides passing is a pass, a finding on either side blocks.
struct CorrectnessOnlyCellTests {
    @Test func passesWhenBothSidesPassAndBlocksOnAFinding() {
        let policy = GatePolicy()
        #expect(policy.decide(GateCell(cellID: "f", baseline: .pass, candidate: .pass, metrics: [], correctnessOnly: true)).verdict == .pass)
        #expect(policy.decide(GateCell(cellID: "f", baseline: .pass, candidate: .pass, metrics: [])).verdict.label == "incomparable")
        let found = policy.decide(GateCell(cellID: "f", baseline: .pass, candidate: .fail("1 fuzz finding"), metrics: [], correctnessOnly: true))
        #expect(found.blocks)
        #expect(policy.decide(GateCell(cellID: "f", baseline: nil, candidate: .pass, metrics: [], correctnessOnly: true)).verdict.label == "incomparable")
    }
}
