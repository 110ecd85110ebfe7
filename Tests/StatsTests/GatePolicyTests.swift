import Posix
import Testing
@testable import Stats

/// Samples with a given relative spread around `centre`, from SplitMix64 (deterministic).
enum Noisy {
    static func sample(_ count: Int, centre: Double, spread: Double, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in centre * (1 + spread * Power.normal(&rng)) }
    }

    /// A gate's family: `cells` x `metrics` comparisons, candidate scaled by `scale` in the first
    /// metric of the first cell only.
    static func family(
        repetitions: Int, cells: Int = 10, metrics: Int = 3, spread: Double = 0.02, scale: Double = 1
    ) throws -> [GateCell] {
        var seed: UInt64 = 1
        return try (0..<cells).map { cell in
            let comparisons = try (0..<metrics).map { metric -> MetricComparison in
                seed += 2
                let base = sample(repetitions, centre: 1000, spread: spread, seed: seed)
                let factor = cell == 0 && metric == 0 ? scale : 1
                let cand = sample(repetitions, centre: 1000 * factor, spread: spread, seed: seed + 1)
                return try Comparison.compare(metric: "m\(metric).bw", baseline: base, candidate: cand, tolerance: 0.1)
            }
            return GateCell(cellID: "cell\(cell)", baseline: .pass, candidate: .pass, metrics: comparisons)
        }
    }

    /// Controls the family across all cells, as Reports.compare does, and decides.
    static func decide(_ cells: [GateCell], policy: GatePolicy = GatePolicy()) -> GateDecision {
        var flat = cells.flatMap(\.metrics)
        policy.control(&flat)
        var offset = 0
        let controlled = cells.map { cell -> GateCell in
            var cell = cell
            cell.metrics = Array(flat[offset..<(offset + cell.metrics.count)])
            offset += cell.metrics.count
            return cell
        }
        return policy.decide(controlled)
    }
}

@Suite struct HolmTests {
    @Test func adjustsInStepsAndKeepsOrder() {
        // k = 4: sorted 0.01, 0.02, 0.03, 0.04 -> 0.04, 0.06, 0.06 (monotone), 0.06.
        let adjusted = GatePolicy.holm([0.03, 0.01, 0.04, 0.02])
        let expected = [0.06, 0.04, 0.06, 0.06]
        for (a, e) in zip(adjusted, expected) { #expect(abs(a - e) < 1e-12) }
        #expect(GatePolicy.holm([0.5, 0.9]) == [1, 1])
        #expect(GatePolicy.holm([]) == [])
    }

    @Test func aLoneTinyPSurvivesAFamilyButATwoPercentOneDoesNot() {
        let adjusted = GatePolicy.holm([0.001] + [Double](repeating: 0.5, count: 29))
        #expect(abs(adjusted[0] - 0.03) < 1e-12)
        #expect(GatePolicy.holm([0.02] + [Double](repeating: 0.5, count: 29))[0] >= 0.05)
    }
}

@Suite struct PowerTests {
    @Test func minimumPIsTwoOverTheArrangements() {
        #expect(abs(Power.minimumP(4, 4) - 2.0 / 70) < 1e-12)  // 0.0286
        #expect(abs(Power.minimumP(3, 3) - 0.1) < 1e-12)
        #expect(abs(Power.minimumP(6, 6) - 2.0 / 924) < 1e-12)
        #expect(Power.minimumP(0, 4) == 1)
    }

    @Test func fourAgainstFourOverThirtyTestsCanDetectNothing() {
        let d = Power.detectability(n: 4, m: 4, spread: 0.001, family: 30)
        #expect(d.minimumDetectable == nil)
        #expect(d.isBlind(tolerance: 0.1))
        #expect(d.summary == "4 vs 4: min p 0.0286 >= 0.00167 over 30 tests")
        // Alone, 4 vs 4 can see a large enough change.
        #expect(Power.detectability(n: 4, m: 4, spread: 0.02, family: 1).minimumDetectable != nil)
    }

    @Test func detectableChangeShrinksWithRepetitionsAndGrowsWithSpread() throws {
        let small = try #require(Power.minimumDetectable(n: 8, m: 8, spread: 0.05, threshold: 0.05 / 30))
        let large = try #require(Power.minimumDetectable(n: 30, m: 30, spread: 0.05, threshold: 0.05 / 30))
        let noisy = try #require(Power.minimumDetectable(n: 30, m: 30, spread: 0.10, threshold: 0.05 / 30))
        #expect(large < small)
        #expect(abs(noisy - 2 * large) < 1e-9)  // linear in the spread
    }

    @Test func simulationAndNoetherAgreeWhereBothApply() throws {
        // At 100 vs 100 the normal approximation is good; the simulation must land near it.
        let simulated = try #require(Power.simulatedShift(n: 100, m: 100, threshold: 0.05, power: 0.8))
        let p = 0.5 + (Power.normalQuantile(0.975) + Power.normalQuantile(0.8)) * (201.0 / 120_000).squareRoot()
        let noether = 2.0.squareRoot() * Power.normalQuantile(p)
        #expect(abs(simulated - noether) / noether < 0.1)
    }

    @Test func normalQuantile() {
        #expect(abs(Power.normalQuantile(0.975) - 1.959964) < 1e-5)
        #expect(abs(Power.normalQuantile(0.8) - 0.841621) < 1e-5)
        #expect(Power.normalQuantile(0.5).magnitude < 1e-9)
    }

    @Test func relativeSpread() {
        #expect(Power.relativeSpread([100, 100, 100], [50, 50]) == 0)
        #expect(abs(Power.relativeSpread([90, 100, 110], [90, 100, 110]) - 0.1) < 1e-12)
        #expect(Power.relativeSpread([1], [2]) == .infinity)
    }

    @Test func repetitionsNeeded() throws {
        let n = try #require(Power.repetitionsNeeded(spread: 0.02, tolerance: 0.1, family: 30))
        #expect(n > 4)
        let d = try #require(Power.minimumDetectable(n: n, m: n, spread: 0.02, threshold: 0.05 / 30))
        #expect(d <= 0.1)
        #expect(Power.minimumDetectable(n: n - 1, m: n - 1, spread: 0.02, threshold: 0.05 / 30).map { $0 > 0.1 } ?? true)
        // More noise or a finer tolerance needs more.
        #expect(try #require(Power.repetitionsNeeded(spread: 0.05, tolerance: 0.1, family: 30)) > n)
        #expect(try #require(Power.repetitionsNeeded(spread: 0.02, tolerance: 0.05, family: 30)) > n)
    }

    /// The table of docs/gate.md: `swift test --filter PowerTests/printTable` prints it.
    @Test func printTable() {
        let table = Power.table()
        print(table)
        #expect(table.split(separator: "\n").count == 6)
    }
}

@Suite struct GatePolicyTests {
    static func metric(p: Double, ratio: Interval?, tolerance: Double = 0.1, direction: Direction = .higherIsBetter, mde: Double? = 0.03)
        -> MetricComparison
    {
        var c = MetricComparison(
            metric: "read.bw", direction: direction, baseline: Interval(estimate: 100, low: 99, high: 101),
            candidate: Interval(estimate: 100, low: 99, high: 101), ratio: ratio,
            test: MannWhitney(u1: 0, u2: 0, pValue: p, method: .exact, z: nil), tolerance: tolerance, verdict: .noChange)
        c.detectability = Detectability(
            minimumDetectable: mde, spread: 0.01, minimumP: 0.0001, threshold: 0.05, family: 1, baselineCount: 10,
            candidateCount: 10)
        return c
    }

    static func cell(_ metrics: [MetricComparison], baseline: Verdict? = .pass, candidate: Verdict = .pass) -> GateCell {
        GateCell(cellID: "c", baseline: baseline, candidate: candidate, metrics: metrics)
    }

    let quiet = metric(p: 0.6, ratio: Interval(estimate: 1.0, low: 0.98, high: 1.02))

    @Test func correctnessFailureOnEitherSideBlocks() {
        let policy = GatePolicy()
        let candidate = policy.decide(Self.cell([quiet], candidate: .fail("3 files differ")))
        #expect(candidate.verdict == .fail("3 files differ") && candidate.blocks)
        let baseline = policy.decide(Self.cell([quiet], baseline: .fail("daemon died")))
        #expect(baseline.verdict == .fail("baseline: daemon died") && baseline.blocks && !baseline.passes)
    }

    /// A VM that never became ready (sshd late under load, boot timeout, domain not created) while
    /// the daemons ran failed for the machine: the cell is incomparable on either side, never a
    /// pass, never the daemon's correctness failure; a daemon's own failure still blocks first.
    @Test func aMachineFailureMakesTheCellIncomparableNotAPassNorABlock() {
        let policy = GatePolicy()
        let why = "VM infrastructure, not this daemon: VM did not boot: vm0 not ready (every daemon of the VM still running)"
        let both = GateCell(cellID: "c", baseline: .fail(why), candidate: .fail(why), metrics: [],
                            baselineInfrastructure: true, candidateInfrastructure: true)
        let onlyCandidate = GateCell(cellID: "c", baseline: .pass, candidate: .fail(why), metrics: [quiet], candidateInfrastructure: true)
        let onlyBaseline = GateCell(cellID: "c", baseline: .fail(why), candidate: .pass, metrics: [quiet], baselineInfrastructure: true)
        for c in [both, onlyCandidate, onlyBaseline] {
            let d = policy.decide(c)
            #expect(d.verdict.label == "incomparable", "\(d.verdict)")
            #expect(d.verdict.reason?.contains("VM infrastructure") == true)
            #expect(!d.passes && !d.blocks && !d.isSighted && !d.isBlind)
        }
        #expect(policy.decide(both).verdict.reason?.hasPrefix("candidate: ") == true)
        #expect(policy.decide(onlyBaseline).verdict.reason?.hasPrefix("baseline: ") == true)
        // The gate: inconclusive beside a sighted cell, not a pass; --blind-blocks does not make it block.
        let sighted = Self.cell([quiet])
        #expect(policy.decide([sighted, both]).outcome == .inconclusive)
        #expect(GatePolicy(blindBlocks: true).decide([sighted, both]).outcome == .inconclusive)
        // The same failure without the flag is the daemon's: it blocks.
        #expect(policy.decide(GateCell(cellID: "c", baseline: .fail(why), candidate: .fail(why), metrics: [])).blocks)
        // A daemon's own failure on one side still blocks when the other side's was the machine's.
        let candidateDied = GateCell(cellID: "c", baseline: .fail(why), candidate: .fail("straitd exited before the VM was ready"),
                                     metrics: [], baselineInfrastructure: true)
        #expect(policy.decide(candidateDied).blocks)
        let baselineDied = GateCell(cellID: "c", baseline: .fail("straitd exited"), candidate: .fail(why), metrics: [],
                                    candidateInfrastructure: true)
        #expect(policy.decide(baselineDied).verdict == .fail("baseline: straitd exited") && policy.decide(baselineDied).blocks)
    }

    @Test func incomparableCellsAreNeverAPass() {
        let policy = GatePolicy()
        for c in [Self.cell([quiet], baseline: nil), Self.cell([quiet], baseline: .skipped("no DAX window")), Self.cell([])] {
            let d = policy.decide(c)
            #expect(d.verdict.label == "incomparable")
            #expect(!d.passes && !d.blocks)
        }
        #expect(policy.decide([Self.cell([quiet]), Self.cell([], baseline: nil)]).outcome == .inconclusive)
    }

    @Test func regressionNeedsTheAdjustedPAndTheWholeIntervalBeyondTolerance() {
        let policy = GatePolicy()
        let clear = Self.metric(p: 0.001, ratio: Interval(estimate: 0.7, low: 0.65, high: 0.75))
        #expect(policy.decide(Self.cell([clear])).verdict == .regression)
        #expect(policy.decide(Self.cell([clear])).blocks)
        // Point estimate beyond tolerance, interval not wholly: no regression.
        let straddles = Self.metric(p: 0.001, ratio: Interval(estimate: 0.85, low: 0.8, high: 0.95))
        #expect(policy.decide(Self.cell([straddles])).verdict == .noChange)
        // Significant alone, not after Holm over 30.
        var family = [Self.metric(p: 0.01, ratio: Interval(estimate: 0.7, low: 0.65, high: 0.75))]
            + [MetricComparison](repeating: quiet, count: 29)
        policy.control(&family)
        #expect(family[0].adjustedP.map { $0 >= 0.05 } == true)
        #expect(family[0].verdict == .noChange)
        // Lower is better: the interval must lie above 1 + tolerance.
        let slower = Self.metric(p: 0.001, ratio: Interval(estimate: 1.3, low: 1.2, high: 1.4), direction: .lowerIsBetter)
        #expect(policy.decide(Self.cell([slower])).verdict == .regression)
        let faster = Self.metric(p: 0.001, ratio: Interval(estimate: 1.3, low: 1.2, high: 1.4))
        #expect(policy.decide(Self.cell([faster])).verdict == .improvement)
    }

    @Test func blindCellsAreReportedAndBlockOnlyWhenAsked() {
        let blindMetric = Self.metric(p: 0.6, ratio: Interval(estimate: 1.0, low: 0.9, high: 1.1), mde: 0.35)
        let d = GatePolicy().decide(Self.cell([quiet, blindMetric]))
        #expect(d.verdict == .blind("could only detect >= 35% (read.bw; tolerance 10%)"))
        #expect(!d.blocks && !d.passes)
        #expect(GatePolicy(blindBlocks: true).decide(Self.cell([blindMetric])).blocks)
        // A regression is still a regression in a cell that is blind elsewhere.
        let clear = Self.metric(p: 0.001, ratio: Interval(estimate: 0.7, low: 0.65, high: 0.75))
        #expect(GatePolicy().decide(Self.cell([clear, blindMetric])).verdict == .regression)
    }

    /// A second copy of the same binary must pass a gate whose wall-clock cells are blind, as long
    /// as one cell could see its tolerance; the blind cells stay blind (reported, not passing).
    @Test func blindCellsBesideASightedOneLetTheGatePass() {
        let policy = GatePolicy()
        let blindMetric = Self.metric(p: 0.6, ratio: Interval(estimate: 1.0, low: 0.9, high: 1.1), mde: 0.35)
        let sighted = Self.cell([quiet])
        let blind = Self.cell([blindMetric])
        let fuzz = GateCell(cellID: "fuzz", baseline: .pass, candidate: .pass, metrics: [], correctnessOnly: true)
        let gate = policy.decide([sighted, blind, fuzz])
        #expect(gate.outcome == .pass)
        #expect(gate.cells[1].isBlind && !gate.cells[1].passes && gate.cells[1].verdict.label == "blind")
        #expect(gate.cells[0].isSighted && !gate.cells[2].isSighted && gate.cells[2].passes)
        // Nothing sighted: an all-blind gate (even with correctness cells passing) cannot pass.
        #expect(policy.decide([blind]).outcome == .inconclusive)
        #expect(policy.decide([blind, fuzz]).outcome == .inconclusive)
        // Correctness cells alone, nothing measured and nothing blind: a pass, as before.
        #expect(policy.decide([fuzz]).outcome == .pass)
        // An incomparable or skipped cell still keeps it from passing.
        #expect(policy.decide([sighted, blind, Self.cell([], baseline: nil)]).outcome == .inconclusive)
        #expect(policy.decide([sighted, Self.cell([quiet], candidate: .skipped("no valgrind"))]).outcome == .inconclusive)
        // A failure or a regression anywhere still blocks; so does a blind cell when asked.
        #expect(policy.decide([sighted, blind, Self.cell([quiet], candidate: .fail("tar differs"))]).outcome == .blocked)
        let clear = Self.metric(p: 0.001, ratio: Interval(estimate: 0.7, low: 0.65, high: 0.75))
        #expect(policy.decide([Self.cell([clear]), blind]).outcome == .blocked)
        #expect(GatePolicy(blindBlocks: true).decide([sighted, blind]).outcome == .blocked)
    }

    @Test func fourAgainstFourOverThirtyTestsIsBlindEverywhere() throws {
        // Even a 30% drop in one metric: nothing can be significant after Holm.
        let decision = Noisy.decide(try Noisy.family(repetitions: 4, scale: 0.7))
        #expect(decision.cells.count == 10)
        for cell in decision.cells {
            #expect(cell.verdict.label == "blind")
            #expect(cell.verdict.reason?.contains("4 vs 4: min p 0.0286 >= 0.00167 over 30 tests") == true)
        }
        #expect(decision.outcome == .inconclusive && !decision.blocks)
        #expect(Noisy.decide(try Noisy.family(repetitions: 4), policy: GatePolicy(blindBlocks: true)).outcome == .blocked)
    }

    @Test func enoughRepetitionsDetectATenPercentRegression() throws {
        let n = try #require(Power.repetitionsNeeded(spread: 0.02, tolerance: 0.1, family: 30))
        let reps = n + 2
        let decision = Noisy.decide(try Noisy.family(repetitions: reps, scale: 0.85))
        #expect(decision.cells[0].verdict == .regression)
        #expect(decision.outcome == .blocked)
        for cell in decision.cells.dropFirst() { #expect(cell.verdict == .noChange) }
    }

    @Test func selfComparisonWithRealisticNoisePasses() throws {
        let decision = Noisy.decide(try Noisy.family(repetitions: 20, spread: 0.03))
        #expect(decision.cells.allSatisfy { $0.verdict == .noChange })
        #expect(decision.outcome == .pass)
    }

    @Test func detectabilityIsStoredAndNewVerdictsRoundTrip() throws {
        let c = try Comparison.compare(metric: "read.bw", baseline: [100, 101, 99, 100], candidate: [100, 102, 98, 100], tolerance: 0.1)
        #expect(c.detectability?.baselineCount == 4 && c.detectability?.family == 1)
        #expect(c.adjustedP == nil)
        #expect(Verdict.blind("x").label == "blind" && (try? Verdict(label: "incomparable", reason: "y")) == .incomparable("y"))
    }
}
