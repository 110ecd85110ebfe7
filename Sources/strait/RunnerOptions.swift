import ArgumentParser
import Foundation
import Libvirt
import Matrix
import Reports
import Results
import Runner

/// Options every matrix-running subcommand shares.
struct RunnerOptions: ParsableArguments {
    @Option(help: "Select cells and workloads: KEY=VALUE[,KEY=VALUE...] (backend, cache, dax, processing, workload, id; a|b for alternatives).")
    var filter: [String] = []
    @Option(help: "Results directory (runs/*.json and history.sqlite).")
    var results = ProcessInfo.processInfo.environment["STRAIT_RESULTS"] ?? "results"
    @Option(help: "Guest image recipe.") var recipe = "images/debian-bookworm.yaml"
    @Option(help: "libvirt URI.") var connect = Connection.defaultURI
    @Option(help: "Repetitions per cell and workload (default: the matrix's).") var repetitions: Int?

    func cellFilter() throws -> CellFilter? {
        guard !filter.isEmpty else { return nil }
        return try CellFilter.parse(filter.joined(separator: ","))
    }

    func runOptions(variants: [Variant]) throws -> RunOptions {
        var options = RunOptions(variants: variants, resultsRoot: results, recipe: recipe)
        options.filter = try cellFilter()
        options.uri = connect
        options.repetitions = repetitions
        return options
    }
}

/// The straitd binary next to this `strait` (same build), else on PATH.
func defaultStraitd() -> String {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let sibling = here.appendingPathComponent("straitd").path
    if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
    return "straitd"
}

/// Prints a run's cells with their verdicts and reasons, one per line.
func verdictLines(_ doc: RunDocument) -> String {
    doc.cells.map { cell in
        var line = "  \(cell.cellID): \(cell.verdict)"
        for w in cell.workloads { if let v = w.verdict { line += "\n    \(w.workload): \(v)" } }
        if let v = cell.verification { line += "\n    verification: \(v.passed ? "passed" : "FAILED"), \(v.filesChecked) files" }
        if let b = cell.failureBundle { line += "\n    failure bundle: \(b)" }
        return line
    }.joined(separator: "\n")
}
