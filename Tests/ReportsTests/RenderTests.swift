import Foundation
import FoundationXML
import Results
import Stats
import Testing
@testable import Reports

@Suite struct RenderTests {
    @Test func seedTableMatchesTheSeedFormat() {
        let table = Reports.seedTable([LabeledRun(label: "a", run: Runs.run("a"))])
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "NAME                    WORKLOAD                Bandwidth       IOPS            ")
        #expect(lines[1] == "straitd-auto-inline     randread-psync          84.7mb          21.7k           ")
        #expect(lines[2] == "straitd-none-inline     randread-psync          4.9mb           1250            ")
        #expect(lines[3] == "9p-loose                randread-psync          49.3mb          12.6k           ")
        #expect(lines[4] == "")
        #expect(table.contains("straitd-auto-inline     randrw-psync            39.1mb/12.7mb   10.0k/3250      "))
        #expect(table.contains("straitd-none-inline     tar                     183.0s          -               "))
        // Unsupported is written out, never shown as a zero.
        #expect(table.contains("9p-loose                seqwrite-mmap           unsupported     unsupported     "))
        #expect(!table.contains("0kb"))
    }

    @Test func seedTableSideBySide() {
        let table = Reports.seedTable([LabeledRun(label: "base", run: Runs.run("a")), LabeledRun(label: "cand", run: Runs.run("b", scale: 2))])
        let group = table.components(separatedBy: "\n\n")[0]
        // NAME widens to fit the longest name plus two spaces.
        #expect(group.contains("\nbase:straitd-auto-inline  randread-psync          84.7mb          21.7k           \n"))
        #expect(group.contains("\ncand:straitd-auto-inline  randread-psync          169.4mb         43.4k           \n"))
        #expect(group.contains("\nbase:9p-loose             randread-psync"))
    }

    @Test func htmlHasAnSVGPerWorkloadAndTrends() throws {
        let trend = TrendSeries(title: "straitd-auto-inline randread-psync read.bw", points: [("r1", 80_000), ("r2", 86_000), ("r3", 84_000)])
        let runs = [LabeledRun(label: "a", run: Runs.run("a")), LabeledRun(label: "b <x>", run: Runs.run("b", scale: 0.7))]
        let html = Reports.html(runs, trends: [trend], comparison: Reports.compare(base: runs[0].run, candidate: runs[1].run))
        let workloads = ["randread-psync", "randrw-psync", "tar", "seqwrite-mmap"]
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == workloads.count + 1)
        for w in workloads { #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=") && html.contains("aria-label=\"\(w)\"")) }
        #expect(html.contains("<polyline"))
        #expect(html.contains("b &lt;x&gt;"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=\"http"))
        #expect(html.contains("unsupported (mmap write: EOPNOTSUPP"))
        #expect(html.contains("<tr class=\"regression\">"))
        // What the Markdown report says comes before the charts: the decision, each run's
        // environment and cells with verdicts, reasons and verification.
        let firstChart = try #require(html.range(of: "<svg "))
        for text in ["<h2>Decision</h2>", "<table class=\"env\">", "<th>guest kernel</th>", "<table class=\"cells\">",
                     "<th>Verification</th>", "<th>Failure bundle</th>", "<h2>Comparison</h2>"] {
            let at = try #require(html.range(of: text), "\(text) missing")
            #expect(at.lowerBound < firstChart.lowerBound, "\(text) comes after the charts")
        }
        #expect(html.contains("<td>seqwrite-mmap: unsupported (mmap write: EOPNOTSUPP"))
        // The page is well-formed XML (XHTML-compatible), so nothing is left unclosed.
        let xml = html.replacingOccurrences(of: "<!DOCTYPE html>", with: "").replacingOccurrences(of: "<meta charset=\"utf-8\">", with: "<meta charset=\"utf-8\"/>")
        #expect(throws: Never.self) { try XMLDocument(xmlString: xml) }
    }

    /// Two runs side by side: a table per workload (a column per run, the ratio of the last to
    /// the first, a cell a run lacks named as such) and each chart's bars grouped by cell.
    @Test func htmlSetsTwoRunsSideBySide() throws {
        var b = Runs.run("b", scale: 0.7)
        b.cells.removeLast()  // the 9p cell did not run in b
        let html = Reports.html([LabeledRun(label: "a", run: Runs.run("a")), LabeledRun(label: "b", run: b)])
        #expect(html.contains("<h2>Side by side: a | b</h2>"))
        let table = try #require(html.components(separatedBy: "<caption>randread-psync</caption>").dropFirst().first?
            .components(separatedBy: "</table>").first)
        #expect(table.contains("<th>Cell</th><th>a</th><th>b</th><th>b / a</th>"))
        #expect(table.contains("<td>straitd-auto-inline</td><td>84.7 MiB/s</td><td>59.3 MiB/s</td><td>0.70</td>"))
        #expect(table.contains("<td>9p-loose</td><td>") && table.contains("</td><td>not in run</td><td>-</td>"))
        let tar = try #require(html.components(separatedBy: "<caption>tar</caption>").dropFirst().first?.components(separatedBy: "</table>").first)
        #expect(tar.contains(" s</td>"))
        // The randread chart: a's and b's straitd-auto-inline bars next to each other.
        let chart = try #require(html.components(separatedBy: "aria-label=\"randread-psync\"").dropFirst().first?.components(separatedBy: "</svg>").first)
        let labels = chart.components(separatedBy: "text-anchor=\"end\" font-size=\"12\">").dropFirst().map { $0.prefix { $0 != "<" } }
        #expect(labels.prefix(3) == ["a: straitd-auto-inline", "b: straitd-auto-inline", "a: straitd-none-inline"])
        // One run alone: no side-by-side section.
        #expect(!Reports.html([LabeledRun(label: "a", run: Runs.run("a"))]).contains("Side by side"))
    }

    /// A workload that never ran because its cell failed first has a style of its own (amber,
    /// italic), in the side-by-side tables and in place of its bar, distinct from a failure's red.
    @Test func htmlStylesNotRunWorkloads() throws {
        var b = Runs.run("b", failNone: true)
        b.cells[1].workloads[1] = WorkloadResult(workload: "tar", verdict: .notRun("the cell failed first: straitd stopped answering"))
        let html = Reports.html([LabeledRun(label: "a", run: Runs.run("a")), LabeledRun(label: "b", run: b)])
        #expect(html.contains("tr.not-run td, td.not-run { color: #a60; font-style: italic; }"))
        let tar = try #require(html.components(separatedBy: "<caption>tar</caption>").dropFirst().first?.components(separatedBy: "</table>").first)
        #expect(tar.contains("<td class=\"not-run\">not-run</td>"), "\(tar)")
        let chart = try #require(html.components(separatedBy: "aria-label=\"tar\"").dropFirst().first?.components(separatedBy: "</svg>").first)
        #expect(chart.contains("fill=\"#a60\">not-run"), "\(chart)")
        let seqwrite = try #require(html.components(separatedBy: "aria-label=\"seqwrite-mmap\"").dropFirst().first?.components(separatedBy: "</svg>").first)
        #expect(seqwrite.contains("fill=\"#777\">unsupported"), "\(seqwrite)")
    }

    @Test func junitParsesAndCarriesDeltas() throws {
        let base = Runs.run("a")
        let candidate = Runs.run("b", scale: 0.7, failNone: true)
        let xml = Reports.junit(candidate, comparison: Reports.compare(base: base, candidate: candidate))
        let doc = try XMLDocument(xmlString: xml)
        let suite = try #require(try doc.nodes(forXPath: "/testsuites/testsuite").first as? XMLElement)
        #expect(suite.attribute(forName: "tests")?.stringValue == "10")  // 3 cell cases + 7 workload cases
        #expect(suite.attribute(forName: "failures")?.stringValue == "2")  // none's fail + auto randread regression
        #expect(suite.attribute(forName: "skipped")?.stringValue == "1")  // 9p mmap unsupported
        let failure = try doc.nodes(forXPath: "//testcase[@classname='straitd-none-inline'][@name='cell']/failure")
        #expect((failure.first as? XMLElement)?.attribute(forName: "message")?.stringValue == "tar: 3 files differ")
        let ratio = try doc.nodes(forXPath: "//testcase[@classname='straitd-auto-inline'][@name='randread-psync']/properties/property[@name='read.bw.ratio']")
        #expect((ratio.first as? XMLElement)?.attribute(forName: "value")?.stringValue == "0.7000")
        let verdict = try doc.nodes(forXPath: "//testcase[@name='randread-psync'][@classname='straitd-auto-inline']/properties/property[@name='read.bw.verdict']")
        #expect((verdict.first as? XMLElement)?.attribute(forName: "value")?.stringValue == "regression")
        let accel = try doc.nodes(forXPath: "/testsuites/testsuite/properties/property[@name='accelerator-reason']")
        #expect((accel.first as? XMLElement)?.attribute(forName: "value")?.stringValue == "KVM probe boot hung")
        let perf = try doc.nodes(forXPath: "//testcase[@classname='straitd-auto-inline'][@name='cell']/properties/property[@name='performance-verdict']")
        #expect((perf.first as? XMLElement)?.attribute(forName: "value")?.stringValue == "regression")
        let median = try doc.nodes(forXPath: "//testcase[@classname='straitd-auto-inline'][@name='randread-psync']/properties/property[@name='read.bw.median']")
        #expect((median.first as? XMLElement)?.attribute(forName: "value")?.stringValue == "60725")
        let tarTime = try doc.nodes(forXPath: "//testcase[@name='tar'][@classname='straitd-none-inline']")
        #expect((tarTime.first as? XMLElement)?.attribute(forName: "time")?.stringValue == "183.000")
    }

    /// The DAX pivot: the same cell with DAX off, on and inode per workload, with the range over
    /// the repetitions and the ratio to DAX off; the window evidence; nothing for a run without DAX.
    @Test func daxTableAndEvidence() throws {
        var doc = Runs.run("d")
        var on = Runs.auto, inode = Runs.auto
        on.dax = .on
        inode.dax = .inode
        on.options = ["--dax-window=128M"]
        var onResult = CellResult(cell: on, verdict: .pass, workloads: [Runs.workload("randread-psync", reads: [860_000, 900_000, 880_000])])
        onResult.vmm = "QEMU 1:11.1.3+ds-1~bpo13+1"
        onResult.dax = DaxEvidence(mount: "fs1 on /mnt/fs1 type virtiofs (rw,relatime,dax=always)",
                                   iomem: ["e0000000-e7ffffff : virtio1"], windowBytes: 128 << 20, mapsAtLeast: 256)
        doc.cells += [onResult, CellResult(cell: inode, verdict: .fail("mount failed"),
                                            workloads: [WorkloadResult(workload: "randread-psync", verdict: .fail("mount failed"))])]
        let md = Reports.markdown([LabeledRun(label: "d", run: doc)])
        // straitd-auto: 86.75k KiB/s median -> 21.7k IOPS; DAX on 880k -> 220k IOPS, x10.1.
        #expect(md.contains("| cell | workload | DAX off | DAX on | DAX inode |"), "\(md)")
        #expect(md.contains("| straitd-auto-inline | randread-psync | 21.7k [21.4k-22.0k] n=6 | 220.0k [215.0k-225.0k] n=3 x10.1 | fail |"), "\(md)")
        #expect(md.contains("| straitd-auto-dax-inline | QEMU 1:11.1.3+ds-1~bpo13+1 | `fs1 on /mnt/fs1 type virtiofs (rw,relatime,dax=always)` | `e0000000-e7ffffff : virtio1` | 128 MiB | >= 256 |"))
        #expect(!Reports.markdown([LabeledRun(label: "a", run: Runs.run("a"))]).contains("DAX vs no DAX"))
        // Shards (or repeated runs) given together: one table, a cell's repetitions pooled.
        var offOnly = doc, onOnly = doc
        offOnly.cells = doc.cells.filter { $0.cell.dax == .off }
        onOnly.cells = doc.cells.filter { $0.cell.dax == .on } + offOnly.cells.filter { $0.cellID == "straitd-auto-inline" }
        let pooled = Reports.markdown([LabeledRun(label: "s1", run: offOnly), LabeledRun(label: "s2", run: onOnly)])
        #expect(pooled.contains("## DAX vs no DAX"))
        #expect(pooled.contains("| straitd-auto-inline | randread-psync | 21.7k [21.4k-22.0k] n=12 | 220.0k [215.0k-225.0k] n=3 x10.1 |"), "\(pooled)")
        // Documents from before the evidence field still decode.
        var plain = Runs.run("o")
        plain.cells = [CellResult(cell: Runs.auto, verdict: .pass)]
        let old = try JSONEncoder().encode(plain)
        #expect(!String(decoding: old, as: UTF8.self).contains("\"dax\":{"))
        #expect(try JSONDecoder().decode(RunDocument.self, from: old).cells.allSatisfy { $0.dax == nil })
    }

    @Test func markdownHasTablesAndComparison() {
        let base = Runs.run("a")
        let candidate = Runs.run("b", scale: 0.7)
        var incomplete = candidate
        incomplete.complete = false
        let md = Reports.markdown(
            [LabeledRun(label: "base", run: base), LabeledRun(label: "cand", run: incomplete)],
            comparison: Reports.compare(base: base, candidate: candidate))
        #expect(md.contains("### randread-psync\n\n| Run | Cell | Bandwidth | IOPS |"))
        #expect(md.contains("| cand | straitd-auto-inline | 59.3mb | 15.2k |"))
        #expect(md.contains("**Incomplete run**"))
        #expect(md.contains("| accelerator | tcg (KVM probe boot hung) |"))
        let regressionRow = md.split(separator: "\n").first { $0.hasPrefix("| straitd-auto-inline | randread-psync | read.bw |") }
        #expect(regressionRow?.hasSuffix("| regression |") == true)
        // Holm p, tolerance and the smallest change this 6 vs 6 comparison could have seen.
        #expect(regressionRow?.contains("| 10% | >= ") == true)
        #expect(md.contains("| Holm p | Tolerance | Detectable | Verdict |"))
        // The 3 vs 3 workloads cannot reach significance over the family: blind, and said so.
        #expect(md.contains("nothing (3 vs 3: min p 0.1 >= "))
        #expect(regressionRow?.contains("0.700 [") == true)
    }

    /// The header names the straitd build the binary reported; a run whose cells left the
    /// vmm/image/queues defaults gets a column with what each such cell ran on, others do not.
    @Test func headerBuildAndCellMachines() throws {
        var doc = Runs.run("m")
        doc.environment.straitdBuild = "release"
        var q2 = Runs.auto, trixie = Runs.auto
        q2.queues = 2
        q2.vmm = .qemu11
        trixie.image = "debian-trixie"
        var q2Result = CellResult(cell: q2, verdict: .pass)
        q2Result.vmm = "QEMU 1:11.1.3+ds-1~bpo13+1"
        q2Result.queues = QueueUse(configured: 2, guestInterrupts: [40, 0], daemonRequests: [30, 0])
        var trixieResult = CellResult(cell: trixie, verdict: .pass)
        trixieResult.image = "debian-trixie (kernel 6.12.57+deb13-amd64)"
        doc.cells += [q2Result, trixieResult]

        let md = Reports.markdown([LabeledRun(label: "m", run: doc)])
        #expect(md.contains("| straitd | sha-m, release build |"), "\(md)")
        #expect(md.contains("| Cell | VMM, image, queues | Verdict | Verification | Failure bundle |"))
        #expect(md.contains("| straitd-auto-inline | - | pass |"))
        #expect(md.contains("| \(q2.id) | QEMU 1:11.1.3+ds-1~bpo13+1, 2 request queues (1 used) | pass |"), "\(md)")
        #expect(md.contains("| \(trixie.id) | debian-trixie (kernel 6.12.57+deb13-amd64) | pass |"))
        let html = Reports.html([LabeledRun(label: "m", run: doc)])
        #expect(html.contains("<tr><th>straitd</th><td>sha-m, release build</td></tr>"))
        #expect(html.contains("<th>Cell</th><th>VMM, image, queues</th><th>Verdict</th>"))
        #expect(html.contains("<td>\(q2.id)</td><td>QEMU 1:11.1.3+ds-1~bpo13+1, 2 request queues (1 used)</td><td>pass</td>"))

        // All cells on the defaults: no column; a debug build and an unrecorded one say so.
        var plain = Runs.run("p")
        #expect(!Reports.markdown([LabeledRun(label: "p", run: plain)]).contains("VMM, image, queues"))
        #expect(!Reports.html([LabeledRun(label: "p", run: plain)]).contains("VMM, image, queues"))
        #expect(Reports.markdown([LabeledRun(label: "p", run: plain)]).contains("| straitd | sha-p, build not recorded |"))
        plain.environment.straitdBuild = "debug"
        #expect(Reports.markdown([LabeledRun(label: "p", run: plain)]).contains("| straitd | sha-p, DEBUG build (slower per request than release) |"))
        #expect(Reports.junit(plain).contains("<property name=\"straitd-build\" value=\"debug\"/>"))
    }
}
