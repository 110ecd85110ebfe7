import Foundation
import Results
import Stats

extension Reports {
    /// JUnit XML for CI: a suite per run, a test case per cell (its correctness verdict) and per
    /// cell and workload (its performance verdict), perf deltas as properties of the latter.
    public static func junit(_ run: RunDocument, comparison: ComparisonReport? = nil) -> String {
        var cases: [String] = []
        var failures = 0, skipped = 0
        func testcase(_ classname: String, _ name: String, _ verdict: Verdict, _ properties: [(String, String)], time: Double?) {
            var xml = "    <testcase classname=\"\(esc(classname))\" name=\"\(esc(name))\""
            if let time { xml += " time=\"\(String(format: "%.3f", time))\"" }
            xml += ">\n"
            if !properties.isEmpty {
                xml += "      <properties>\n"
                for (k, v) in properties { xml += "        <property name=\"\(esc(k))\" value=\"\(esc(v))\"/>\n" }
                xml += "      </properties>\n"
            }
            switch verdict {
            case .fail(let reason):
                failures += 1
                xml += "      <failure type=\"fail\" message=\"\(esc(reason))\"/>\n"
            case .regression:
                failures += 1
                xml += "      <failure type=\"regression\" message=\"significant regression beyond tolerance\"/>\n"
            case .skipped(let reason), .unsupported(let reason), .blind(let reason), .incomparable(let reason), .notRun(let reason):
                skipped += 1
                xml += "      <skipped message=\"\(esc(verdict.label + ": " + reason))\"/>\n"
            default:
                break
            }
            cases.append(xml + "    </testcase>\n")
        }
        for cell in run.cells {
            var cellProps: [(String, String)] = [("verdict", cell.verdict.label)]
            if let v = cell.verification { cellProps.append(("verification.files", "\(v.filesChecked)")) }
            if let bundle = cell.failureBundle { cellProps.append(("failure-bundle", bundle)) }
            if let compared = comparison?.verdict(cell: cell.cellID) {
                cellProps.append(("performance-verdict", compared.label))
            }
            testcase(cell.cellID, "cell", cell.verdict, cellProps, time: nil)
            for workload in cell.workloads {
                var props: [(String, String)] = []
                for metric in workload.metricNames where judgedKinds.contains(kind(of: metric)) {
                    if let median = try? Descriptive.median(workload.samples(metric)) {
                        props.append(("\(metric).median", Format.number(median)))
                    }
                }
                let deltas = comparison?.deltas(cell: cell.cellID, workload: workload.workload) ?? []
                for d in deltas {
                    let c = d.comparison
                    props.append(("\(c.metric).ratio", c.ratio.map { String(format: "%.4f", $0.estimate) } ?? "n/a"))
                    props.append(("\(c.metric).ci95", c.ratio.map { String(format: "%.4f..%.4f", $0.low, $0.high) } ?? "n/a"))
                    props.append(("\(c.metric).p", Format.pValue(c.test.pValue)))
                    if let adjusted = c.adjustedP { props.append(("\(c.metric).holm_p", Format.pValue(adjusted))) }
                    props.append(("\(c.metric).detectable", Format.detectable(c)))
                    props.append(("\(c.metric).verdict", c.verdict.label))
                }
                let verdict: Verdict = workload.verdict
                    ?? (deltas.contains { $0.comparison.verdict == .regression } ? .regression : .pass)
                let seconds = (try? Descriptive.median(workload.samples("tar.seconds")))
                testcase(cell.cellID, workload.workload, verdict, props, time: seconds)
            }
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"strait\">\n"
        xml += "  <testsuite name=\"\(esc(run.matrix))\" id=\"\(esc(run.runID))\" tests=\"\(cases.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\" errors=\"0\">\n"
        xml += "    <properties>\n"
        let env = run.environment
        for (k, v) in [
            ("run-id", run.runID), ("complete", "\(run.complete)"), ("straitd", env.straitdSHA ?? ""), ("straitd-build", env.straitdBuild ?? ""),
            ("image", env.imageHash ?? ""), ("guest-kernel", env.guestKernel ?? ""), ("qemu", env.qemuVersion ?? ""),
            ("libvirt", env.libvirtVersion ?? ""), ("accelerator", env.accelerator),
            ("accelerator-reason", env.acceleratorReason), ("host", env.host.digest),
        ] {
            xml += "      <property name=\"\(k)\" value=\"\(esc(v))\"/>\n"
        }
        xml += "    </properties>\n" + cases.joined() + "  </testsuite>\n</testsuites>\n"
        return xml
    }
}
