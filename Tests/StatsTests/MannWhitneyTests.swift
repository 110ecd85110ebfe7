import Testing
@testable import Stats

/// Expected values from scipy 1.17 `scipy.stats.mannwhitneyu(x, y)` (two-sided, method auto).
@Suite struct MannWhitneyTests {
    func close(_ a: Double, _ b: Double, _ tol: Double = 1e-9) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }

    @Test func exactSmallSamplesNoTies() throws {
        let r = try MannWhitney.test([1.1, 2.3, 3.5, 4.2, 5.9], [3.0, 6.1, 7.4, 8.8, 9.2, 10.5])
        #expect(r.method == .exact)
        #expect(r.u1 == 3)
        #expect(r.u2 == 27)
        #expect(close(r.pValue, 0.030303030303030304))
    }

    @Test func exactCompleteSeparation() throws {
        let r = try MannWhitney.test([100, 101, 102], [103, 104, 105])
        #expect(r.u1 == 0)
        #expect(close(r.pValue, 0.1))  // 2 / C(6,3)
    }

    /// Why a gate needs four repetitions a side: 3 against 3 can never reach p < 0.05, 4 against 4 can.
    @Test func fewestRepetitionsThatCanBeSignificant() throws {
        #expect(try MannWhitney.test([1, 2, 3], [4, 5, 6]).pValue >= 0.05)
        let four = try MannWhitney.test([1, 2, 3, 4], [5, 6, 7, 8])
        #expect(close(four.pValue, 0.02857142857142857))
    }

    @Test func exactWithOneSmallSample() throws {
        let r = try MannWhitney.test([5.5, 9.1, 12.4], (1...20).map(Double.init))
        #expect(r.method == .exact)
        #expect(r.u1 == 26)
        #expect(close(r.pValue, 0.7634105025409372))
    }

    /// 60 against 5 without ties: still exact, whichever sample comes first.
    @Test func exactIsSymmetricInTheSampleOrder() throws {
        let x = (1...60).map { Double($0) * 1.37 }
        let y = [2.5, 17.1, 33.3, 48.2, 61.9]
        let a = try MannWhitney.test(x, y)
        let b = try MannWhitney.test(y, x)
        #expect(a.method == .exact && b.method == .exact)
        #expect(a.u1 == 183 && b.u1 == 117)
        #expect(close(a.pValue, 0.435127207535986))
        #expect(close(b.pValue, 0.435127207535986))
    }

    @Test func asymptoticWithTies() throws {
        let r = try MannWhitney.test(
            [12, 15, 15, 18, 20, 22, 22, 25, 30, 31], [10, 11, 12, 14, 15, 16, 17, 18, 19, 21])
        #expect(r.method == .asymptotic)
        #expect(r.u1 == 78)
        #expect(close(r.pValue, 0.037133175581939154))
    }

    @Test func asymptoticLargeNoTies() throws {
        let r = try MannWhitney.test((10...21).map(Double.init), (0...11).map { Double($0) + 0.5 })
        #expect(r.method == .asymptotic)
        #expect(r.u1 == 141)
        #expect(close(r.pValue, 7.658289467492398e-05, 1e-7))
    }

    @Test func identicalSamplesAreNotSignificant() throws {
        let r = try MannWhitney.test([3, 3, 3], [3, 3, 3])
        #expect(r.pValue == 1)
    }

    @Test func ranksAverageTies() {
        let (ranks, ties) = MannWhitney.rank([10, 20, 10, 30])
        #expect(ranks == [1.5, 3, 1.5, 4])
        #expect(ties == [2, 1, 1])
    }
}
