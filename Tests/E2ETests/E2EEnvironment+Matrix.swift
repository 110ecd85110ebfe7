import Foundation
import Matrix
import Reports
import Results
import Runner
import Testing

/// A committed matrix run through `MatrixRunner` on real VMs with this package's straitd:
/// the one setup the matrix E2E tests share (smoke, queues, DAX).
struct E2EMatrixRun {
    let matrix: Matrix
    let outcome: RunOutcome
    /// The document of the single variant `run`.
    let document: RunDocument
    /// The run's results root (documents, history, raw outputs); removed after the body.
    let results: String
}

extension E2EEnvironment {
    /// Loads `matrices/<name>.yaml`, runs it with the straitd under test into a private results
    /// root, prints the seed table, hands the run to `body` for its assertions and then removes
    /// the results. `skipLoad` leaves out the matrix's host-speed layer; `observe` sees every line
    /// the runner logs (its progress lines too) as it is written, for a test that acts mid-run.
    static func runMatrix(_ name: String, skipLoad: Bool = false, observe: (@Sendable (String) -> Void)? = nil,
                          body: (E2EMatrixRun) throws -> Void) throws {
        let results = FileManager.default.temporaryDirectory.appendingPathComponent("strait-e2e-\(name)-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: results) }
        let binary = try #require(straitd, "\(missingStraitd ?? "no straitd")")
        let matrix = try Matrix.load(path: repoRoot + "/matrices/\(name).yaml")
        let variant = Variant.straitd("run", binary: binary)
        var options = RunOptions(variants: [variant], resultsRoot: results, recipe: recipe)
        options.log = { log($0); observe?($0) }
        options.skipLoad = skipLoad
        options.progress = { total in ProgressDisplay(total: total, style: .lines) { log(String($0.dropLast())); observe?(String($0.dropLast())) } }
        log("e2e: \(name) matrix with \(binary)")
        let outcome = try MatrixRunner(matrix: matrix, options: options).execute()
        let document = try #require(outcome.documents["run"]?.document, "the runner wrote no document for variant run")
        log(Reports.seedTable([LabeledRun(label: name, run: document)]))
        try body(E2EMatrixRun(matrix: matrix, outcome: outcome, document: document, results: results))
    }
}
