import DaemonLaunch
import Foundation
import Matrix
import Posix
import Results
import Stats

/// The host-speed layer of a run (`load:` in the matrix): no VM. For each backend and sub-layer
/// it runs the strait-load binary once, every variant's daemon in that one invocation, interleaved
/// round by round with the order reversed every other round (`--abba`), and turns strait-load's
/// per-round JSON into one cell per variant: `straitd-auto-load` (ops/s, p99 per round) and
/// `straitd-auto-instructions` (valgrind instructions per operation per round). strait-load owns
/// the frontend, the workloads and the counting; this only maps its rounds to repetitions.
struct LoadLayer {
    let spec: LoadSpec
    let variants: [Variant]
    let rounds: Int
    let straitLoad: String
    /// Where strait-load's output is kept.
    let directory: String
    let log: @Sendable (String) -> Void

    /// The cells this layer will record, per variant, in order.
    var cells: [Cell] {
        spec.backends.flatMap { b in
            [spec.cell(b, label: "load")] + (spec.instructions == nil ? [] : [spec.cell(b, label: "instructions")])
                + (spec.fuzz == nil ? [] : [spec.cell(b, label: "fuzz")])
                + (spec.hostile ? [spec.cell(b, label: "hostile")] : [])
        }
    }

    func run(record: (String, CellResult) -> Void) {
        for backend in spec.backends {
            let load = spec.cell(backend, label: "load")
            measure(load, workloads: spec.workloads, depths: spec.queueDepths, arguments: [
                "--seconds", "\(spec.seconds)", "--warmup", "\(spec.warmup)", "--rounds", "\(rounds)",
            ], record: record)
            if let counted = spec.instructions {
                let cell = spec.cell(backend, label: "instructions")
                if LoadSpec.countedOptions(backend) == nil {
                    for v in variants { record(v.name, CellResult(cell: cell, verdict: .unsupported("\(backend.rawValue) cannot run without its seccomp filter, which valgrind cannot emulate"))) }
                    continue
                }
                if InstructionProbe.valgrind == nil {
                    for v in variants { record(v.name, CellResult(cell: cell, verdict: .skipped("valgrind is not installed (scripts/host-setup.sh installs it)"))) }
                    continue
                }
                measure(cell, workloads: counted.workloads, depths: counted.queueDepths, arguments: [
                    "--instructions", "\(counted.requests)", "--rounds", "\(counted.rounds)",
                ], record: record)
            }
            if let cases = spec.fuzz { fuzz(spec.cell(backend, label: "fuzz"), cases: cases, record: record) }
            if spec.hostile { hostile(spec.cell(backend, label: "hostile"), record: record) }
        }
    }

    /// The fuzz cell: seeded hostile chains and vhost-user messages against every variant's
    /// daemon; a variant with findings fails (that blocks a gate on either side).
    private func fuzz(_ cell: Cell, cases: Int, record: (String, CellResult) -> Void) {
        guard case let (output, logPath)? = runStraitLoad(cell, ["--fuzz", "\(cases)", "--seed", "1", "--json"], timeout: 3600, record: record)
        else { return }
        let report = Self.lastJSON(FuzzOutput.self, key: "fuzz", in: output.output)
        recordFindings(cell, what: "fuzz", rows: report?.fuzz.map { row in
            (row.daemon, row.findings, "in \(row.chainCases) chain and \(row.messageCases) message cases")
        }, unfinished: Self.lastError(output.output) ?? "strait-load \(output.status)", logPath: logPath, record: record)
    }

    /// The hostile-guest cell: the hardening suite's vectors against every variant's daemon
    /// (`strait-load --hostile`); a variant with findings fails. Vectors that cannot run here are
    /// named in the cell's note, never dropped silently.
    private func hostile(_ cell: Cell, record: (String, CellResult) -> Void) {
        guard case let (output, logPath)? = runStraitLoad(cell, ["--hostile", "--json"], timeout: 1800, record: record) else { return }
        let report = Self.lastJSON(HostileOutput.self, key: "hostile", in: output.output)
        for row in report?.hostile ?? [] {
            for n in row.notRun { log("strait: \(cell.id) \(row.daemon): vector not run here: \(n)") }
        }
        recordFindings(cell, what: "hostile-guest", rows: report?.hostile.map { row in
            (row.daemon, row.findings, "in \(row.vectors.count) vectors")
        }, unfinished: Self.lastError(output.output) ?? "strait-load \(output.status)", logPath: logPath, record: record)
    }

    /// strait-load with every variant's daemon and `arguments`, its output in `<cell>.log`; nil
    /// when a binary is missing (skipped) or it did not start (failed): each variant's cell is
    /// then recorded already.
    private func runStraitLoad(_ cell: Cell, _ arguments: [String], timeout: Double,
                               record: (String, CellResult) -> Void) -> (Subprocess.Completion, String)? {
        guard let daemons = daemonArguments(cell, record: record) else { return nil }
        let argv = [straitLoad] + daemons + arguments
        let logPath = directory + "/\(cell.id).log"
        log("strait: \(cell.id): \(argv.joined(separator: " ")) (log \(logPath))")
        let started = Date()
        do {
            let completion = try Subprocess.run(argv, timeout: timeout, logTo: logPath, tee: true)
            log(String(format: "strait: %@ took %.0f s", cell.id, Date().timeIntervalSince(started)))
            if let why = Self.stuck(stillRunning: completion.stillRunning, timedOut: completion.timedOut, timeout: timeout) {
                for v in variants { record(v.name, CellResult(cell: cell, verdict: .fail(why), failureBundle: logPath)) }
                return nil
            }
            return (completion, logPath)
        } catch {
            for v in variants { record(v.name, CellResult(cell: cell, verdict: .fail("strait-load did not start: \(error)"))) }
            return nil
        }
    }

    /// strait-load's tree outlived SIGKILL (`Subprocess.Ending.unkillable`: frozen, or stuck in
    /// the kernel with the daemons under it): every variant's cell fails saying so, whatever
    /// output it left; nil when it ended.
    static func stuck(stillRunning: String?, timedOut: Bool, timeout: Double) -> String? {
        guard let stillRunning else { return nil }
        return "strait-load " + (timedOut ? "timed out after \(Int(timeout)) s and " : "") + "did not end: " + stillRunning
    }

    /// A findings run's verdicts (fuzz, hostile): per variant, pass without findings, fail naming
    /// the first three; a run without its report, or without a variant's row, fails that variant.
    /// `unfinished` says why when there is no report.
    func recordFindings(_ cell: Cell, what: String, rows: [(daemon: String, findings: [String], scope: String)]?,
                        unfinished: String, logPath: String, record: (String, CellResult) -> Void) {
        guard let rows else {
            for v in variants { record(v.name, CellResult(cell: cell, verdict: .fail("\(what) run did not finish: \(unfinished)"), failureBundle: logPath)) }
            return
        }
        for v in variants {
            guard let row = rows.first(where: { $0.daemon == v.name }) else {
                record(v.name, CellResult(cell: cell, verdict: .fail("no \(what) report for \(v.name)"), failureBundle: logPath))
                continue
            }
            let verdict: Verdict = row.findings.isEmpty ? .pass
                : .fail("\(row.findings.count) \(what) finding(s) \(row.scope): " + row.findings.prefix(3).joined(separator: "; "))
            record(v.name, CellResult(cell: cell, verdict: verdict, failureBundle: row.findings.isEmpty ? nil : logPath))
        }
    }

    struct HostileOutput: Decodable {
        struct Row: Decodable {
            var daemon: String
            var vectors: [String]
            var notRun: [String]
            var findings: [String]
            enum CodingKeys: String, CodingKey { case daemon, vectors, findings, notRun = "not_run" }
        }
        var hostile: [Row]
    }

    struct FuzzOutput: Decodable {
        struct Row: Decodable {
            var daemon: String
            var chainCases: Int
            var messageCases: Int
            var findings: [String]
            enum CodingKeys: String, CodingKey {
                case daemon, findings, chainCases = "chain_cases", messageCases = "message_cases"
            }
        }
        var fuzz: [Row]
    }

    /// `--daemon NAME=COMMAND` for every variant, or nil (cells recorded as skipped) when a
    /// binary is missing.
    private func daemonArguments(_ cell: Cell, record: (String, CellResult) -> Void) -> [String]? {
        if !FileManager.default.isExecutableFile(atPath: straitLoad) {
            for v in variants { record(v.name, CellResult(cell: cell, verdict: .skipped("strait-load is not at \(straitLoad) (swift build)"))) }
            return nil
        }
        var daemons: [String] = []
        for v in variants {
            if let missing = v.binaries.missing(for: cell) {
                for w in variants { record(w.name, CellResult(cell: cell, verdict: .skipped(w == v ? missing : "\(v.name): \(missing)"))) }
                return nil
            }
            guard let command = v.binaries.command(for: cell) else { return nil }
            let cache = DaemonBinaries.daemonCache(for: cell)
            let words = command.arguments.map { $0.replacingOccurrences(of: "{cache}", with: cache) }
            daemons += ["--daemon", v.name + "=" + words.map(Self.quote).joined(separator: " ")]
        }
        return daemons
    }

    private func measure(_ cell: Cell, workloads: [String], depths: [Int], arguments: [String],
                         record: (String, CellResult) -> Void) {
        let argv = ["--workload", workloads.joined(separator: ","), "--abba", "--json"] + depths.flatMap { ["--qd", "\($0)"] } + arguments
        guard case let (completion, logPath)? = runStraitLoad(cell, argv, timeout: 3600, record: record) else { return }
        guard completion.succeeded, let output = Self.parse(completion.output) else {
            let why = Self.lastError(completion.output) ?? "strait-load \(completion.status)\(completion.timedOut ? " (timed out)" : "")"
            for v in variants {
                // The daemon strait-load names failed; the others were not measured to the end.
                let named = why.contains("daemon '\(v.name)'")
                record(v.name, CellResult(cell: cell, verdict: named || variants.count == 1 ? .fail(why) : .skipped("not measured to the end: \(why)"), failureBundle: logPath))
            }
            return
        }
        for v in variants {
            record(v.name, Self.result(cell, variant: v.name, workloads: workloads, depths: depths, output: output))
        }
    }

    /// One variant's cell from strait-load's rows: a workload per name and depth, a repetition per round.
    static func result(_ cell: Cell, variant: String, workloads: [String], depths: [Int], output: Output) -> CellResult {
        var results: [WorkloadResult] = []
        for w in workloads {
            for qd in depths {
                let name = LoadSpec.workloadName(w, qd: qd)
                guard let row = output.results.first(where: { $0.daemon == variant && $0.workload == w && $0.qd == qd }) else {
                    results.append(WorkloadResult(workload: name, verdict: .unsupported("\(variant) does not support \(w)")))
                    continue
                }
                results.append(WorkloadResult(workload: name, repetitions: row.repetitions))
            }
        }
        return CellResult(cell: cell, verdict: .pass, workloads: results)
    }

    /// strait-load's JSON (the last line that is its object; progress lines precede it).
    struct Output: Decodable {
        var results: [Row]
    }

    struct Row: Decodable {
        var daemon: String
        var workload: String
        var qd: Int
        var roundOpsPerS: [Double]
        var roundMibPerS: [Double]
        var roundP99Us: [Double]
        var roundInstructionsPerOp: [Double]?

        enum CodingKeys: String, CodingKey {
            case daemon, workload, qd
            case roundOpsPerS = "round_ops_per_s", roundMibPerS = "round_mib_per_s", roundP99Us = "round_p99_us"
            case roundInstructionsPerOp = "round_instructions_per_op"
        }

        /// Counted rounds report instructions only (their time is valgrind's); timed rounds
        /// ops/s, MiB/s and p99.
        var repetitions: [Repetition] {
            if let counted = roundInstructionsPerOp, !counted.isEmpty {
                return counted.enumerated().map { Repetition(index: $0, load: ["ops.instructions": $1]) }
            }
            return roundOpsPerS.indices.map { i in
                var m = ["ops.iops": roundOpsPerS[i], "ops.clat_p99": roundP99Us[i]]
                if roundMibPerS[i] > 0 { m["ops.mib_per_s"] = roundMibPerS[i] }
                return Repetition(index: i, load: m)
            }
        }
    }

    static func parse(_ output: String) -> Output? { lastJSON(Output.self, key: "results", in: output) }

    /// strait-load's JSON object keyed `key`: the last line that starts with it (progress lines precede it).
    static func lastJSON<T: Decodable>(_ type: T.Type, key: String, in output: String) -> T? {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{\"\(key)\"") }) else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(line.utf8))
    }

    /// The error strait-load ended with, and the daemon log lines after it.
    static func lastError(_ output: String) -> String? {
        guard let range = output.range(of: "strait-load: ", options: .backwards) else { return nil }
        return String(output[range.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// One word for strait-load's shell-like splitter.
    static func quote(_ word: String) -> String {
        word.allSatisfy({ $0.isLetter || $0.isNumber || "/-_.,=:{}+@".contains($0) }) ? word
            : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Whether the counted layer can run: valgrind where strait-load will look for it.
enum InstructionProbe {
    static var valgrind: String? {
        if let v = ProcessInfo.processInfo.environment["STRAIT_VALGRIND"] { return v }
        return Subprocess.which("valgrind")
    }
}

extension RunOptions {
    /// strait-load beside the running binary (one build puts strait and strait-load together).
    public static var defaultStraitLoad: String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return exe.appendingPathComponent("strait-load").path
    }
}
