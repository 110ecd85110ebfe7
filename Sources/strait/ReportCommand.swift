import ArgumentParser
import Foundation
import Reports
import Results

/// `strait report RUN...`: runs side by side as text (seed table), Markdown, HTML or JUnit.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Report one or more runs.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown, html, junit }

    @Argument(help: "Run ids (under --results) or run document paths.") var runs: [String]
    @Option(help: "text, markdown, html or junit.") var format: Format = .text
    @Option(help: "Write here instead of standard output.") var output: String?
    @Option(help: "Compare against this baseline run (markdown, html, junit).") var baseline: String?
    @Option(help: "Results directory.") var results = ProcessInfo.processInfo.environment["STRAIT_RESULTS"] ?? "results"

    func run() throws {
        guard !runs.isEmpty else { throw ValidationError("name at least one run") }
        let store = ResultStore(root: results)
        let docs = try runs.map { reference throws in try store.load(reference) }
        let labeled = docs.map { LabeledRun(label: $0.runID, run: $0) }
        let comparison = try baseline.map { try Reports.compare(base: store.load($0), candidate: docs[0]) }
        let text: String
        switch format {
        case .text:
            text = Reports.seedTable(labeled) + docs.map { "\($0.runID)\($0.complete ? "" : " (incomplete)"):\n" + verdictLines($0) }
                .joined(separator: "\n") + "\n"
        case .markdown:
            text = Reports.markdown(labeled, comparison: comparison)
        case .html:
            let trends = (try? store.history()).flatMap { history in try? Reports.trends(for: docs[0], history: history) } ?? []
            text = Reports.html(labeled, trends: trends, comparison: comparison)
        case .junit:
            text = Reports.junit(docs[0], comparison: comparison)
        }
        if let output {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } else {
            print(text, terminator: "")
        }
    }
}

/// `strait compare BASE CANDIDATE`: every shared metric's ratio, interval, p-value and verdict.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Compare a candidate run with a baseline run.",
        discussion: "Exits 1 when the candidate has a correctness failure or a significant regression beyond tolerance.")

    @Argument(help: "Baseline run id or document.") var base: String
    @Argument(help: "Candidate run id or document.") var candidate: String
    @Option(help: "Results directory.") var results = ProcessInfo.processInfo.environment["STRAIT_RESULTS"] ?? "results"

    func run() throws {
        let store = ResultStore(root: results)
        let report = Reports.compare(base: try store.load(base), candidate: try store.load(candidate))
        print(Reports.comparisonMarkdown(report), terminator: "")
        if report.blocksMerge {
            print("\nblocking:\n" + report.reasons.map { "  " + $0 }.joined(separator: "\n"))
            throw ExitCode(1)
        }
    }
}
