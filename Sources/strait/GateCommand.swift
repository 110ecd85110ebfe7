import ArgumentParser
import Foundation
import Matrix
import Reports
import Results
import Runner

/// `strait gate`: baseline and candidate straitd interleaved (A B B A ...) on the same VMs over
/// the smoke matrix; refuses (exit 1) on any correctness failure or significant regression.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate", abstract: "Pre-merge gate: baseline vs candidate straitd on the same VMs.",
        discussion: "BIN_OR_REF is a straitd binary or a git ref (built in a temporary export). The decision is Stats.GatePolicy's (docs/gate.md): Holm across every cell x metric, each with the smallest change it could have detected. Exit 0: nothing blocks (the gate says pass, or inconclusive with the blind and incomparable cells listed); 1: blocked (reasons printed): a correctness failure on either side, a regression beyond tolerance, or a blind cell with --blind-blocks; 2: could not run.")

    @Option(help: "Baseline straitd: a binary or a git ref (e.g. main).") var baseline: String
    @Option(help: "Candidate straitd: a binary or a git ref.") var candidate: String
    @Argument(help: "Matrix file (default: the pre-merge gate's, docs/gate.md).") var matrix = "matrices/gate.yaml"
    @Option(help: "Build configuration for refs.") var configuration = "release"
    @Flag(help: "A blind cell (one that could not have seen a change of its tolerance) blocks.") var blindBlocks = false
    @OptionGroup var common: RunnerOptions

    func run() throws {
        let log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let matrix = try Matrix.load(path: matrix)
        let repo = FileManager.default.currentDirectoryPath
        let base = try DaemonSource.resolve(baseline, repo: repo, configuration: configuration, log: log)
        let cand = try DaemonSource.resolve(candidate, repo: repo, configuration: configuration, log: log)
        let variants = [
            Variant.straitd("baseline", binary: base.binary, sha: base.sha),
            Variant.straitd("candidate", binary: cand.binary, sha: cand.sha),
        ]
        var options = try common.runOptions(variants: variants)
        options.repetitions = common.repetitions ?? matrix.gateRepetitions
        options.loadRounds = common.loadRounds ?? matrix.load?.gateRounds
        options.order = .repetitionMajor
        let outcome = try MatrixRunner(matrix: matrix, options: options).execute()
        guard let b = outcome.documents["baseline"]?.document, let c = outcome.documents["candidate"]?.document else {
            throw ExitCode(2)
        }
        if c.cells.contains(where: { !$0.isHostSpeed }) {
            print(Reports.seedTable([LabeledRun(label: "A", run: b), LabeledRun(label: "B", run: c)]), terminator: "")
        }
        print(Reports.loadTable(b).isEmpty ? "" : "baseline (A):\n" + Reports.loadTable(b) + "candidate (B):\n" + Reports.loadTable(c), terminator: "")
        let report = Reports.compare(base: b, candidate: c, policy: .init(blindBlocks: blindBlocks))
        print(Reports.comparisonMarkdown(report), terminator: "")
        print("baseline \(base.sha ?? base.binary) -> \(b.runID); candidate \(cand.sha ?? cand.binary) -> \(c.runID)")
        print(String(format: "took: %.0f s (%d VM boot%@)", outcome.seconds, outcome.vmBoots, outcome.vmBoots == 1 ? "" : "s")
            + layerTimes(outcome.layerSeconds))
        print(report.summary)
        for line in report.reasons { print("  " + line) }
        for line in report.caveats { print("  " + line) }
        for (label, doc) in [("baseline", b), ("candidate", c)] {
            if let warning = doc.disturbanceWarning() { print("  \(label): \(warning)") }
        }
        if report.blocksMerge {
            for (label, doc) in [("baseline", b), ("candidate", c)] {
                for cell in doc.cells { if let bundle = cell.failureBundle { print("  \(label) \(cell.cellID): failure bundle \(bundle)") } }
            }
            throw ExitCode(1)
        }
    }
}

/// `; host-speed 95 s, e2e 610 s`: where a run's time went, layer by layer.
func layerTimes(_ seconds: [String: Double]) -> String {
    guard !seconds.isEmpty else { return "" }
    return "; " + seconds.sorted { $0.key > $1.key }.map { String(format: "%@ %.0f s", $0.key, $0.value) }.joined(separator: ", ")
}
