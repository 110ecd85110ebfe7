import Foundation
import Stats
import Testing

/// `strait gate` only prints: every decision (what blocks, what is blind or incomparable) is
/// Stats.GatePolicy's, reached through Reports.compare, so the rules have unit tests and the
/// subcommand has nothing to get wrong.
@Suite struct GateCommandTests {
    @Test func theSubcommandOnlyPrintsThePolicysDecision() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("Sources/strait/GateCommand.swift"), encoding: .utf8)
        let source = try #require(file.range(of: "func run()").map { String(file[$0.lowerBound...]) })
        // No verdict inspected, no reason composed, no p-value or tolerance compared here.
        for judging in ["verdict", "case .fail", "pValue", "tolerance", ".regression", "reasons.append"] {
            #expect(!source.contains(judging), "GateCommand.swift judges (\(judging)); move the rule into GatePolicy")
        }
        #expect(source.contains("Reports.compare(base: b, candidate: c, policy: .init(blindBlocks: blindBlocks))"))
        #expect(source.contains("if report.blocksMerge {"))
    }
}

/// The new fields are optional: a comparison written before them still decodes.
@Suite struct ComparisonCodingTests {
    @Test func comparisonsWithoutPowerFieldsStillDecode() throws {
        let c = try Comparison.compare(metric: "read.bw", baseline: [100, 101, 99, 100], candidate: [90, 91, 89, 92], tolerance: 0.1)
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any])
        #expect(object["detectability"] != nil)
        object["detectability"] = nil
        object["adjustedP"] = nil
        let old = try JSONDecoder().decode(MetricComparison.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.detectability == nil && old.adjustedP == nil && old.test == c.test)
        let roundTrip = try JSONDecoder().decode(MetricComparison.self, from: JSONEncoder().encode(c))
        #expect(roundTrip == c)
    }
}
