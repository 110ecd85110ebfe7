import Histogram
import Stats

/// All rounds of one daemon on one workload and depth, summarised as the issue specifies.
struct Summary {
    let daemon: String
    let workload: Workload
    let queueDepth: Int
    let rounds: [RoundResult]

    // Medians of the rounds; a daemon with no rounds reports 0 (Stats refuses an empty sample).
    var opsPerSecond: Double { (try? Descriptive.median(rounds.map(\.opsPerSecond))) ?? 0 }
    var mibPerSecond: Double { (try? Descriptive.median(rounds.map(\.mibPerSecond))) ?? 0 }
    var cpuSeconds: Double { (try? Descriptive.median(rounds.map(\.cpuSeconds))) ?? 0 }
    var cpuMicrosecondsPerOp: Double { (try? Descriptive.median(rounds.map(\.cpuMicrosecondsPerOp))) ?? 0 }
    var peakRSSKiB: UInt64 { rounds.map(\.peakRSSKiB).max() ?? 0 }
    /// Instructions per operation of each round, with `--instructions`: its long run minus the
    /// smallest short run of all rounds, over the operations between them. Run-to-run noise under
    /// valgrind was one-sided when measured (4 of 30 runs of one release straitd counted 0.1-0.7 M
    /// instructions more than their siblings, none fewer), so the smallest short run is the
    /// cleanest startup to subtract; subtracting each round's own would turn a noisy short run
    /// into a count that looks too low.
    var roundInstructionsPerOp: [Double] {
        let counted = rounds.compactMap(\.counted)
        guard let few = counted.map(\.few).min() else { return [] }
        return counted.map { (Double($0.many) - Double(few)) / Double($0.manyOps - $0.fewOps) }
    }

    /// Simulated misses per operation of each round (`--cache-sim`), the same subtraction as the
    /// instructions: D1 (first-level data) and LL (last level).
    var roundD1MissesPerOp: [Double] { missesPerOp(\.d1) }
    var roundLLMissesPerOp: [Double] { missesPerOp(\.ll) }

    private func missesPerOp(_ key: KeyPath<RoundResult.CacheMisses, UInt64>) -> [Double] {
        let counted = rounds.compactMap(\.counted)
        let few = counted.compactMap { $0.fewMisses?[keyPath: key] }
        guard let least = few.min(), few.count == counted.count else { return [] }
        return counted.compactMap { c in c.manyMisses.map { (Double($0[keyPath: key]) - Double(least)) / Double(c.manyOps - c.fewOps) } }
    }

    /// The smallest of the rounds' counts: the cleanest (see `roundInstructionsPerOp`).
    var instructionsPerOp: Double? { roundInstructionsPerOp.min() }

    var latency: Histogram<UInt64> {
        var h = RoundResult.emptyHistogram()
        for r in rounds { h.add(r.latency) }
        return h
    }

    /// Percentile in microseconds.
    func percentile(_ p: Double) -> Double {
        let h = latency
        return h.totalCount == 0 ? 0 : Double(h.valueAtPercentile(p)) / 1000
    }
}

struct Ratio {
    let a: String
    let b: String
    let workload: Workload
    let queueDepth: Int
    let median: Double
    let low: Double
    let high: Double
}

enum Report {
    static func ratios(_ summaries: [Summary]) -> [Ratio] {
        var out: [Ratio] = []
        for (i, a) in summaries.enumerated() {
            for b in summaries[(i + 1)...] where a.workload == b.workload && a.queueDepth == b.queueDepth {
                // Ratio of medians a/b with a percentile-bootstrap 95% interval (seeded, so a rerun
                // on the same numbers gives the same interval); 0 when there is no ratio to give.
                let r = try? Bootstrap.ratioOfMediansInterval(
                    candidate: a.rounds.map(\.opsPerSecond), baseline: b.rounds.map(\.opsPerSecond), resamples: 5000, seed: 42)
                out.append(Ratio(a: a.daemon, b: b.daemon, workload: a.workload, queueDepth: a.queueDepth,
                                 median: r?.estimate ?? 0, low: r?.low ?? 0, high: r?.high ?? 0))
            }
        }
        return out
    }

    static func table(_ summaries: [Summary], _ ratios: [Ratio]) -> String {
        var lines: [String] = []
        let header = ["daemon", "workload", "qd", "ops/s", "MiB/s", "p50 us", "p99 us", "p999 us", "cpu s", "cpu us/op", "rss KiB", "rounds", "instr/op"]
        var rows: [[String]] = [header]
        for s in summaries {
            rows.append([s.daemon, s.workload.rawValue, "\(s.queueDepth)", fmt(s.opsPerSecond, 0), fmt(s.mibPerSecond, 1),
                         fmt(s.percentile(50), 1), fmt(s.percentile(99), 1), fmt(s.percentile(99.9), 1),
                         fmt(s.cpuSeconds, 2), fmt(s.cpuMicrosecondsPerOp, 2), "\(s.peakRSSKiB)", "\(s.rounds.count)", s.instructionsPerOp.map { fmt($0, 1) } ?? "-"])
        }
        let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for r in rows {
            lines.append(r.enumerated().map { c, v in c < 3 ? pad(v, widths[c]) : lpad(v, widths[c]) }.joined(separator: "  "))
        }
        if !ratios.isEmpty {
            lines.append("")
            lines.append("ops/s ratios (median of rounds, bootstrap 95% CI):")
            for r in ratios {
                lines.append("  \(r.a) / \(r.b)  \(r.workload.rawValue) qd\(r.queueDepth): \(fmt(r.median, 3)) [\(fmt(r.low, 3)), \(fmt(r.high, 3))]")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ summaries: [Summary], _ ratios: [Ratio]) -> String {
        let results = summaries.map { s in
            "{\"daemon\": \(quote(s.daemon)), \"workload\": \(quote(s.workload.rawValue)), \"qd\": \(s.queueDepth), "
                + "\"ops_per_s\": \(num(s.opsPerSecond)), \"mib_per_s\": \(num(s.mibPerSecond)), "
                + "\"p50_us\": \(num(s.percentile(50))), \"p99_us\": \(num(s.percentile(99))), \"p999_us\": \(num(s.percentile(99.9))), "
                + "\"cpu_s\": \(num(s.cpuSeconds)), \"cpu_us_per_op\": \(num(s.cpuMicrosecondsPerOp)), \"rss_kib\": \(s.peakRSSKiB), \"rounds\": \(s.rounds.count), "
                + "\"round_ops_per_s\": \(list(s.rounds.map(\.opsPerSecond))), \"round_mib_per_s\": \(list(s.rounds.map(\.mibPerSecond))), "
                + "\"round_p99_us\": \(list(s.rounds.map { $0.percentileMicroseconds(99) })), "
                + "\"round_instructions_per_op\": \(list(s.roundInstructionsPerOp)), "
                + "\"round_d1_misses_per_op\": \(list(s.roundD1MissesPerOp)), \"round_ll_misses_per_op\": \(list(s.roundLLMissesPerOp))}"
        }
        let rs = ratios.map { r in
            "{\"a\": \(quote(r.a)), \"b\": \(quote(r.b)), \"workload\": \(quote(r.workload.rawValue)), \"qd\": \(r.queueDepth), "
                + "\"median\": \(num(r.median)), \"ci95\": [\(num(r.low)), \(num(r.high))]}"
        }
        return "{\"results\": [" + results.joined(separator: ", ") + "], \"ratios\": [" + rs.joined(separator: ", ") + "]}"
    }

    /// Every round's value, in round order: what `strait run`'s load cells compare (Mann-Whitney
    /// needs the samples, not the medians).
    static func list(_ xs: [Double]) -> String { "[" + xs.map(num).joined(separator: ", ") + "]" }

    static func num(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        return fmt(x, 3)
    }

    static func fmt(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (x * scale).rounded() / scale
        var s = digits == 0 ? String(Int64(r)) : String(r)
        if let dot = s.firstIndex(of: "."), digits > 0 {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        }
        if s.contains("e") { s = String(Int64(r)) }
        return s
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if u.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    private static func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(w - s.count, 0)) }
    private static func lpad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(w - s.count, 0)) + s }
}
