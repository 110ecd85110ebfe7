import Posix
import Testing
@testable import Stats

@Suite struct DescriptiveTests {
    @Test func medianOddEvenAndErrors() throws {
        #expect(try Descriptive.median([3, 1, 2]) == 2)
        #expect(try Descriptive.median([3, 1, 2, 10]) == 2.5)  // numpy.median
        #expect(throws: StatsError.self) { try Descriptive.median([]) }
        #expect(throws: StatsError.self) { try Descriptive.median([1, .nan]) }
    }

    @Test func quantileMatchesNumpy() throws {
        #expect(abs(try Descriptive.quantile([1, 2, 3, 4, 10], 0.3) - 2.2) < 1e-12)  // numpy.quantile
        #expect(try Descriptive.quantile([4, 1], 0) == 1)
        #expect(try Descriptive.quantile([4, 1], 1) == 4)
    }

    @Test func seededGeneratorIsDeterministic() {
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        var c = SplitMix64(seed: 43)
        let xs = (0..<5).map { _ in a.next() }
        #expect(xs == (0..<5).map { _ in b.next() })
        #expect(xs != (0..<5).map { _ in c.next() })
        // Reference value of SplitMix64 seeded with 0 (first output).
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
    }
}

@Suite struct BootstrapTests {
    let samples: [Double] = [12.9, 1.9, 7.4, 8.8, 9.1, 6.5, 10.2, 8.0, 7.7]

    @Test func medianIntervalBracketsTheMedianAndIsReproducible() throws {
        let a = try Bootstrap.medianInterval(samples)
        let b = try Bootstrap.medianInterval(samples)
        #expect(a == b)
        #expect(a.estimate == 8.0)
        #expect(a.low <= 8.0 && 8.0 <= a.high)
        #expect(a.low >= 1.9 && a.high <= 12.9)
        #expect(a.low < a.high)
        #expect(a.confidence == 0.95)
    }

    @Test func constantSamplesGiveAPointInterval() throws {
        let i = try Bootstrap.medianInterval([5, 5, 5, 5])
        #expect(i.low == 5 && i.high == 5)
    }

    @Test func ratioIntervalOfAClearSpeedup() throws {
        let base: [Double] = [100, 102, 98, 101, 99, 100]
        let cand = base.map { $0 * 2 }
        let r = try Bootstrap.ratioOfMediansInterval(candidate: cand, baseline: base)
        #expect(r.estimate == 2)
        #expect(r.low > 1.9 && r.high < 2.1)
        #expect(r.contains(2))
        #expect(throws: StatsError.self) { try Bootstrap.ratioOfMediansInterval(candidate: [1], baseline: [0, 0]) }
    }

    /// With a different seed the interval may move, but only a little: the method, not the seed,
    /// decides it.
    @Test func seedsAgreeApproximately() throws {
        let a = try Bootstrap.medianInterval(samples, seed: 1)
        let b = try Bootstrap.medianInterval(samples, seed: 2)
        #expect(abs(a.low - b.low) <= 1.5)
        #expect(abs(a.high - b.high) <= 1.5)
    }
}
