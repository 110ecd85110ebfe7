import Foundation
import Testing
@testable import Stats

@Suite struct ComparisonTests {
    let base: [Double] = [100, 103, 97, 101, 99, 102, 98, 100]

    @Test func directions() {
        #expect(Direction.of(metric: "read.bw") == .higherIsBetter)
        #expect(Direction.of(metric: "write.iops") == .higherIsBetter)
        #expect(Direction.of(metric: "read.clat_p99") == .lowerIsBetter)
        #expect(Direction.of(metric: "tar.seconds") == .lowerIsBetter)
    }

    @Test func significantDropBeyondToleranceIsARegression() throws {
        let c = try Comparison.compare(metric: "read.bw", baseline: base, candidate: base.map { $0 * 0.8 }, tolerance: 0.1)
        #expect(c.test.pValue < 0.05)
        #expect(abs((c.ratio?.estimate ?? 0) - 0.8) < 1e-9)
        #expect(c.verdict == .regression)
    }

    @Test func significantButWithinToleranceIsNoChange() throws {
        let c = try Comparison.compare(metric: "read.bw", baseline: base, candidate: base.map { $0 * 0.95 }, tolerance: 0.1)
        #expect(c.test.pValue < 0.05)
        #expect(c.verdict == .noChange)
    }

    @Test func largeButNotSignificantIsNoChange() throws {
        // Two noisy repetitions each: a 30% drop in the medians, but no evidence.
        let c = try Comparison.compare(metric: "read.bw", baseline: [12.9, 1.9], candidate: [9.0, 2.0], tolerance: 0.1)
        #expect(c.test.pValue >= 0.05)
        #expect(c.verdict == .noChange)
    }

    @Test func latencyGoingUpIsARegressionAndDownAnImprovement() throws {
        let up = try Comparison.compare(metric: "read.clat_p99", baseline: base, candidate: base.map { $0 * 1.5 }, tolerance: 0.2)
        #expect(up.direction == .lowerIsBetter)
        #expect(up.verdict == .regression)
        let down = try Comparison.compare(metric: "tar.seconds", baseline: base, candidate: base.map { $0 * 0.5 }, tolerance: 0.2)
        #expect(down.verdict == .improvement)
    }

    @Test func classifyRule() {
        #expect(Comparison.classify(ratio: 0.7, p: 0.01, tolerance: 0.1, direction: .higherIsBetter) == .regression)
        #expect(Comparison.classify(ratio: 0.7, p: 0.05, tolerance: 0.1, direction: .higherIsBetter) == .noChange)
        #expect(Comparison.classify(ratio: 1.3, p: 0.01, tolerance: 0.1, direction: .higherIsBetter) == .improvement)
        #expect(Comparison.classify(ratio: 1.3, p: 0.01, tolerance: 0.1, direction: .lowerIsBetter) == .regression)
        #expect(Comparison.classify(ratio: nil, p: 0.0, tolerance: 0.1, direction: .lowerIsBetter) == .noChange)
    }

    @Test func cellVerdictAndCoding() throws {
        let r = try Comparison.compare(metric: "read.bw", baseline: base, candidate: base.map { $0 * 0.5 }, tolerance: 0.1)
        let i = try Comparison.compare(metric: "read.iops", baseline: base, candidate: base.map { $0 * 2 }, tolerance: 0.1)
        #expect(Comparison.cellVerdict([i, r]) == .regression)
        #expect(Comparison.cellVerdict([i]) == .improvement)
        #expect(Comparison.cellVerdict([]) == .pass)
        for v in [Verdict.pass, .fail("mismatch"), .skipped("no DAX window"), .unsupported("mmap: ENODEV"), .noChange] {
            let data = try JSONEncoder().encode(v)
            #expect(try JSONDecoder().decode(Verdict.self, from: data) == v)
        }
        #expect(String(decoding: try JSONEncoder().encode(Verdict.skipped("x")), as: UTF8.self).contains("\"verdict\":\"skipped\""))
        #expect(Verdict.fail("x").blocksMerge && Verdict.regression.blocksMerge && !Verdict.skipped("x").blocksMerge)
    }
}
