import ArgumentParser
import Foundation
import Matrix
import Reports
import Results

/// `strait report RUN...`: runs side by side as text (seed table), Markdown, HTML or JUnit.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Report one or more runs.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown, html, junit }

    @Argument(help: "Run ids (under --results) or run document paths.") var runs: [String] = []
    @Flag(help: "Write docs/reproductions.md's text: every seed report's published table (matrices/published/) beside the stored runs of its matrix that combine into one table, the set with the most measurements (Reports.reproductionRuns: same profile, image, QEMU, accelerator, vCPUs, step isolation and, where both have straitd cells, straitd build; filters may differ).") var reproductions = false
    @Option(help: "Directory of published tables (with --reproductions).") var published = "matrices/published"
    @Option(help: "Print one of docs/benchmarks.md's generated in-guest sections (guest-queues, guest-libaio) from the named runs, else from the stored runs of its matrix: every complete unsharded run (full before quick) made by the newest one's straitd, pooled.")
    var section: Reports.GuestSection?
    @Option(help: "text, markdown, html or junit.") var format: Format = .text
    @Option(help: "Write here instead of standard output.") var output: String?
    @Option(help: "Compare against this baseline run (markdown, html, junit).") var baseline: String?
    @Option(help: "Results directory.") var results = ProcessInfo.processInfo.environment["STRAIT_RESULTS"] ?? "results"

    func run() throws {
        if reproductions { return try write(reproductionsText()) }
        if let section { return try write(sectionText(section)) }
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
            // With a baseline, the baseline run first so the two sit side by side.
            let base = try baseline.map { try store.load($0) }.map { [LabeledRun(label: "baseline \($0.runID)", run: $0)] } ?? []
            text = Reports.html(base + labeled, trends: trends, comparison: comparison)
        case .junit:
            text = Reports.junit(docs[0], comparison: comparison)
        }
        try write(text)
    }

    func write(_ text: String) throws {
        if let output {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } else {
            print(text, terminator: "")
        }
    }

    /// The results directory's run documents, shards left out (their merged run stands for them).
    func storedRuns() -> [RunDocument] {
        let store = ResultStore(root: results)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: store.runsDirectory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { try? RunDocument.load(path: store.runsDirectory + "/" + $0) }
            .filter { $0.shard == nil }
    }

    /// A generated section of docs/benchmarks.md: the named runs, else the stored complete runs of
    /// the section's matrix (full runs if there are any, else quick ones) made by the same straitd
    /// as the newest of them, oldest first.
    func sectionText(_ section: Reports.GuestSection) throws -> String {
        var command = "strait report --section \(section.rawValue) --results \(results)"
        let chosen: [RunDocument]
        if runs.isEmpty {
            let docs = storedRuns().filter(\.complete)
            let full = docs.filter { $0.matrix == section.matrix }
            let pick = full.isEmpty ? docs.filter { $0.matrix == section.matrix + Matrix.quickSuffix } : full
            let newest = pick.max { $0.startedAt < $1.startedAt }
            chosen = pick.filter { $0.environment.straitdSHA == newest?.environment.straitdSHA }.sorted { $0.startedAt < $1.startedAt }
        } else {
            let store = ResultStore(root: results)
            chosen = try runs.map { try store.load($0) }
            command += " " + runs.joined(separator: " ")
        }
        return Reports.guestSection(section, runs: chosen, command: command)
    }

    /// Every published report, with the stored runs of its matrix the page shows as one table
    /// (`Reports.reproductionRuns`: the rule is stated there and in the page's intro).
    func reproductionsText() throws -> String {
        let files = try FileManager.default.contentsOfDirectory(atPath: published).filter { $0.hasSuffix(".txt") }.sorted()
        let reports = try files.map { try PublishedReport.load(path: published + "/" + $0) }
        let docs = storedRuns()
        var chosen: [String: [RunDocument]] = [:]
        for report in reports {
            let runs = Reports.reproductionRuns(matrix: report.matrix, among: docs)
            if !runs.isEmpty { chosen[report.matrix] = runs }
        }
        var command = "strait report --reproductions --results \(results)"
        if let output { command += " --output \(output)" }
        return Reports.reproductions(reports, combining: chosen, command: command)
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

extension Reports.GuestSection: ExpressibleByArgument {}
