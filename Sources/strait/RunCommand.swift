import ArgumentParser
import Foundation
import Matrix
import Reports
import Runner

/// `strait run MATRIX`: every cell on real VMs, one document + history, the seed-style table.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a matrix on real VMs and record the results.",
        discussion: "Exits 1 when any cell fails (correctness), 0 otherwise; skipped and unsupported cells carry their reason.")

    @Argument(help: "Matrix file, e.g. matrices/smoke.yaml.") var matrix: String
    @Option(help: "straitd binary (default: the one next to strait).") var straitd: String?
    @Flag(help: "Apply the matrix's quick profile (smaller files, shorter runtimes; the run's matrix is NAME-quick).") var quick = false
    @OptionGroup var common: RunnerOptions

    func run() throws {
        let matrix = try loadMatrix(matrix, quick: quick)
        let binary = straitd ?? defaultStraitd()
        let variant = Variant.straitd("run", binary: binary)
        let outcome = try MatrixRunner(matrix: matrix, options: try common.runOptions(variants: [variant])).execute()
        guard let ref = outcome.documents["run"] else { throw ExitCode(2) }
        if ref.document.cells.contains(where: { !$0.isHostSpeed }) {
            print(Reports.seedTable([LabeledRun(label: "run", run: ref.document)]), terminator: "")
        }
        print(Reports.loadTable(ref.document), terminator: "")
        print("verdicts:\n" + verdictLines(ref.document))
        print("run document: \(ref.path)")
        print(String(format: "took: %.0f s (%d VM boot%@)", outcome.seconds, outcome.vmBoots, outcome.vmBoots == 1 ? "" : "s")
            + layerTimes(outcome.layerSeconds))
        if let warning = ref.document.disturbanceWarning() { print(warning) }
        if ref.document.cells.contains(where: { if case .fail = $0.verdict { return true } else { return false } }) {
            throw ExitCode(1)
        }
    }
}

/// `strait list MATRIX`: the expanded cells, without running anything.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show the cells a matrix expands to.")

    @Argument(help: "Matrix file.") var matrix: String
    @Option(help: "Select cells and workloads (as for run).") var filter: [String] = []
    @Option(help: "Only the cells of shard i/n (as for run).") var shard: String?
    @Flag(help: "The matrix's quick profile (as for run).") var quick = false
    @Option(help: "Show how the cells split over N shards: each shard's cells and estimated time.") var shards: Int?

    func run() throws {
        let matrix = try loadMatrix(matrix, quick: quick)
        var expansion = matrix.expand()
        if !filter.isEmpty { expansion = expansion.filtered(by: try CellFilter.parse(filter.joined(separator: ","))) }
        if let shards {
            guard shards >= 1 else { throw ValidationError("--shards wants a count >= 1") }
            let assignment = expansion.shardAssignment(count: shards)
            for (index, cost) in expansion.shardEstimates(count: shards).enumerated() {
                let cells = expansion.cells.indices.filter { assignment[$0] == index }.map { expansion.cells[$0].id }
                print(String(format: "shard %d/%d: %d cells, estimated %.0f min: ", index + 1, shards, cells.count, cost / 60)
                    + cells.joined(separator: " "))
            }
            return
        }
        if let shard { expansion = expansion.sharded(try Shard(parsing: shard)) }
        print(expansion.listing(title: matrix.name + (shard.map { " shard \($0)" } ?? "")), terminator: "")
    }
}

/// Loads a matrix, with its quick profile applied when asked (an error when it has none).
func loadMatrix(_ path: String, quick: Bool) throws -> Matrix {
    let matrix = try Matrix.load(path: path)
    guard quick else { return matrix }
    guard let short = matrix.quickened() else { throw ValidationError("\(path) has no quick profile (a `quick:` section)") }
    return short
}
