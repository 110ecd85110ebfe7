import ArgumentParser
import Foundation
import Libvirt
import Matrix
import Reports
import Results
import Runner

/// Options every matrix-running subcommand shares.
struct RunnerOptions: ParsableArguments {
    @Option(help: "Select cells and workloads: KEY=VALUE[,KEY=VALUE...] (backend, cache, dax, processing, vmm, image, queues, workload, id; a|b for alternatives).")
    var filter: [String] = []
    @Option(help: "Results directory (runs/*.json and history.sqlite).")
    var results = ProcessInfo.processInfo.environment["STRAIT_RESULTS"] ?? "results"
    @Option(help: "Guest image recipe.") var recipe = "images/debian-bookworm.yaml"
    @Option(help: "libvirt URI.") var connect = Connection.defaultURI
    @Option(help: "Repetitions per cell and workload (default: the matrix's).") var repetitions: Int?
    @Option(help: "Run shard i of n (e.g. 2/4): a deterministic, cost-balanced share of the cells; combine the shard runs with `strait merge`.")
    var shard: String?
    @Option(help: "Run id (default: generated); a shard's document is <results>/runs/<run-id>.json.") var runID: String?
    @Option(help: "Rounds per variant of the host-speed (load:) cells (default: the matrix's load.rounds, load.gate-rounds in a gate).")
    var loadRounds: Int?
    @Flag(help: "Leave out the host-speed (load:) layer.") var noLoad = false
    @Option(help: "vCPUs per VM (default 2). A Linux 6.11+ guest sends on one request queue per CPU, so N queues need N vCPUs to be used.")
    var vcpus: Int?
    @Option(help: "Hold an exclusive flock on FILE while the VM cells run, and only then (e.g. /tmp/strait-vm.lock): the host-speed layers run outside it.")
    var vmLock: String?
    @Option(help: "strait-load binary for the host-speed layer (default: the one next to strait).") var straitLoad: String?

    func cellFilter() throws -> CellFilter? {
        guard !filter.isEmpty else { return nil }
        return try CellFilter.parse(filter.joined(separator: ","))
    }

    func runOptions(variants: [Variant]) throws -> RunOptions {
        var options = RunOptions(variants: variants, resultsRoot: results, recipe: recipe)
        options.filter = try cellFilter()
        options.uri = connect
        options.repetitions = repetitions
        options.shard = try shard.map { text throws in try Shard(parsing: text) }
        if let runID {
            // It names domains, sockets and directories: keep it short and plain (sun_path is 108 bytes).
            guard runID.count <= 32, runID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                throw ValidationError("--run-id '\(runID)': at most 32 of A-Z a-z 0-9 . _ -")
            }
        }
        options.runID = runID
        options.loadRounds = loadRounds
        options.skipLoad = noLoad
        if let vcpus {
            guard (1...64).contains(vcpus) else { throw ValidationError("--vcpus must be 1-64") }
            options.vcpus = vcpus
        }
        options.vmLock = vmLock
        if let straitLoad { options.straitLoad = straitLoad }
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
