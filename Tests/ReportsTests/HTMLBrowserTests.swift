import Foundation
import Posix
import Results
import Testing
@testable import Reports

/// The HTML report in a real browser (Debian's chromium, headless, offline): it loads from a
/// file with every host name unresolvable, logs no console message, and the DOM the browser
/// built holds every chart with its bars; the screenshot is a real PNG.
enum Browser {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
}

@Suite(.enabled(if: Browser.chromium != nil, "chromium is not installed (scripts/host-setup.sh installs it)"))
struct HTMLBrowserTests {
    func browse(_ page: String, extra: [String], in dir: String) throws -> Subprocess.Completion {
        try Subprocess.run(
            [Browser.chromium!, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(dir)/profile",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0"] + extra + ["file://" + page],
            timeout: 120)
    }

    @Test func loadsOfflineWithoutConsoleMessagesAndDrawsEveryChart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strait-html-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trend = TrendSeries(title: "straitd-auto-inline randread-psync read.bw", points: [("r1", 80_000), ("r2", 86_000)])
        let runs = [LabeledRun(label: "a", run: Runs.run("a")), LabeledRun(label: "b", run: Runs.run("b", scale: 0.7))]
        let html = Reports.html(runs, trends: [trend], comparison: Reports.compare(base: runs[0].run, candidate: runs[1].run))
        let page = dir + "/report.html"
        try Data(html.utf8).write(to: URL(fileURLWithPath: page))

        let dump = try browse(page, extra: ["--dump-dom"], in: dir)
        #expect(dump.succeeded, "chromium exit \(dump.status): \(dump.output.suffix(500))")
        let consoleLines = dump.output.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(consoleLines.isEmpty, "console: \(consoleLines)")
        let charts = html.components(separatedBy: "<svg ").count - 1
        #expect(charts >= 5)
        #expect(dump.output.components(separatedBy: "<svg ").count - 1 == charts, "the browser's DOM lost charts")
        #expect(dump.output.components(separatedBy: "<rect ").count == html.components(separatedBy: "<rect ").count)
        #expect(dump.output.contains("<h2>Decision</h2>"))
        // The two runs side by side: a table per workload, a column per run, the ratio of b to a.
        #expect(dump.output.contains("<h2>Side by side: a | b</h2>"))
        #expect(dump.output.contains("<caption>randread-psync</caption>"))
        #expect(dump.output.contains("<td>straitd-auto-inline</td><td>84.7 MiB/s</td><td>59.3 MiB/s</td><td>0.70</td>"),
                "\(dump.output.components(separatedBy: "<caption>randread-psync</caption>").last?.prefix(600) ?? "")")

        let png = dir + "/report.png"
        let shot = try browse(page, extra: ["--window-size=1200,2000", "--screenshot=\(png)"], in: dir)
        #expect(shot.succeeded, "chromium exit \(shot.status): \(shot.output.suffix(500))")
        let bytes = try #require(FileManager.default.contents(atPath: png))
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(bytes.count > 20_000, "a blank page compresses to far less")
    }
}
