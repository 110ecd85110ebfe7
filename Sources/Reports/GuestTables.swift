import Foundation
import Matrix
import Results
import Stats

/// docs/benchmarks.md's in-guest tables, generated from stored run documents so that no in-guest
/// number there is typed by hand: `strait report --section NAME` prints the fragment and
/// scripts/bench-host-speed.sh puts it between the doc's `<!-- generated: NAME -->` markers.
extension Reports {
    /// A generated in-guest section of docs/benchmarks.md and the matrix whose runs it reads.
    public enum GuestSection: String, CaseIterable, Sendable {
        /// Request queue scaling: straitd with 1, 2, 4 queues beside both virtiofsd.
        case guestQueues = "guest-queues"
        /// The daemons side by side on fio libaio iodepth 16 and its psync control.
        case guestLibaio = "guest-libaio"

        public var matrix: String {
            switch self {
            case .guestQueues: "queues"
            case .guestLibaio: "libaio-qd16"
            }
        }
    }

    /// The fragment: which runs, made when, by which straitd, on which machine; then the table.
    public static func guestSection(_ section: GuestSection, runs: [RunDocument], command: String) -> String {
        guard !runs.isEmpty else { return "No stored complete run of matrix `\(section.matrix)` (or `\(section.matrix)-quick`): nothing to show (`\(command)`).\n" }
        var out = guestProvenance(runs, command: command) + "\n"
        switch section {
        case .guestQueues: out += queueScalingMarkdown(runs)
        case .guestLibaio: out += daemonsMarkdown(runs)
        }
        return out
    }

    /// One paragraph: the command, each run (id, matrix, filter, shards, UTC times), straitd's
    /// commit and build, and the machine the VMs ran on as the cells recorded it.
    static func guestProvenance(_ runs: [RunDocument], command: String) -> String {
        func describe(_ run: RunDocument) -> String {
            var text = "`\(run.runID)` (matrix `\(run.matrix)`"
            if let filter = run.filter { text += ", filter `\(filter)`" }
            if let parts = run.mergedFrom, !parts.isEmpty {
                text += ", merged from " + parts.map { "`\($0.runID)` \(utcSpan($0.startedAt, $0.finishedAt))" }.joined(separator: ", ")
            }
            if !run.complete { text += ", INCOMPLETE" }
            return text + ") \(utcSpan(run.startedAt, run.finishedAt)) UTC"
        }
        let shas = Set(runs.map { straitdText($0.environment) }).sorted()
        let env = runs[0].environment
        // What the cells that ran recorded; a cell on the axes' defaults ran on the run's.
        let cells = runs.flatMap(\.cells).filter { !$0.isHostSpeed && !isNotRun($0.verdict) }
        let vmms = Set(cells.map { $0.vmm ?? $0.cell.vmm?.rawValue ?? "QEMU " + (env.qemuVersion ?? "unknown") }).sorted()
        let images = Set(cells.map { $0.image ?? $0.cell.image ?? "guest kernel " + (env.guestKernel ?? "unknown") }).sorted()
        return "Made by `\(command)` from the stored run\(runs.count > 1 ? "s" : "") "
            + runs.map(describe).joined(separator: "; ") + "; straitd at " + shas.joined(separator: " and ") + "; "
            + vmms.joined(separator: ", ") + ", " + images.joined(separator: ", ") + ", "
            + (env.vcpus.map { "\($0) vCPUs per VM" } ?? "vCPUs per VM not recorded (documents before the field; the prose says)")
            + ", \(env.accelerator) on "
            + "\(env.host.cpus) host CPUs (\(env.host.cpuModel)). IOPS are fio's, summed over the jobs of a repetition.\n"
    }

    /// A row per cell (daemon, request queues): IOPS per workload with the ratio to the same
    /// daemon's one-queue cell, the guest's interrupts per request virtqueue and straitd's
    /// requests per queue (one group per run document, `;` between runs).
    static func queueScalingMarkdown(_ runs: [RunDocument]) -> String {
        let cells = pooledCells(runs).filter { $0.cell.backend.isVirtioFS }
            .sorted { ($0.cell.backend.rawValue, $0.cell.requestQueues) < ($1.cell.backend.rawValue, $1.cell.requestQueues) }
        let workloads = workloadNames(cells)
        func oneQueue(_ c: CellResult) -> CellResult? {
            cells.first {
                $0.cell.requestQueues == 1 && $0.cell.backend == c.cell.backend && $0.cell.cache == c.cell.cache
                    && $0.cell.processing == c.cell.processing && $0.cell.label == c.cell.label
            }
        }
        var out = "| daemon | request queues | " + workloads.map { "\(md($0)) IOPS (x of 1 queue)" }.joined(separator: " | ")
        out += " | guest interrupts per request vq | straitd requests per queue |\n"
        out += "|---|---:|" + workloads.map { _ in "---:|" }.joined() + "---:|---:|\n"
        for cell in cells {
            out += "| \(cell.cell.backend.rawValue) | \(cell.cell.requestQueues) |"
            if cell.workloads.isEmpty || isNotRun(cell.verdict) {
                out += " \(md(verdictText(cell.verdict))) |" + String(repeating: " |", count: workloads.count + 1) + "\n"
                continue
            }
            for workload in workloads {
                guard let result = cell.workload(workload) else { out += " - |"; continue }
                var text = iopsText(result)
                if cell.cell.requestQueues != 1, let base = oneQueue(cell)?.workload(workload),
                    let a = try? Descriptive.median(iopsSamples(result)), let b = try? Descriptive.median(iopsSamples(base)), b > 0 {
                    text += String(format: " (x%.2f)", a / b)
                }
                out += " \(text) |"
            }
            let use = runs.compactMap { $0.cell(cell.cellID)?.queues }
            func counts(_ pick: (QueueUse) -> [Int]?) -> String {
                let groups = use.compactMap(pick).map { $0.map { grouped(Double($0)) }.joined(separator: " / ") }
                return groups.isEmpty ? "-" : groups.joined(separator: "; ")
            }
            out += " \(counts(\.guestInterrupts)) | \(counts(\.daemonRequests)) |\n"
        }
        return out + "\n"
    }

    /// A row per workload, a column per daemon (median and every repetition), and straitd
    /// against the better peer: per repetition (paired within a run, the schedule interleaves
    /// them) and of the medians.
    static func daemonsMarkdown(_ runs: [RunDocument]) -> String {
        let cells = pooledCells(runs).filter { $0.cell.backend.isVirtioFS }
        let ambiguous = Set(cells.map(\.cell.backend)).count < cells.count
        let straitd = cells.first { $0.cell.backend == .straitd }
        let peers = cells.filter { $0.cell.backend != .straitd }
        var out = "| workload | " + cells.map { ambiguous ? md($0.cellID) : $0.cell.backend.rawValue }.joined(separator: " | ")
        let name = straitd.map { ambiguous ? md($0.cellID) : "straitd" } ?? "straitd"
        if straitd != nil && !peers.isEmpty { out += " | \(name) / better peer, per repetition | of the medians" }
        out += " |\n|---|" + cells.map { _ in "---:|" }.joined()
        if straitd != nil && !peers.isEmpty { out += "---|---:|" }
        out += "\n"
        for workload in workloadNames(cells) {
            out += "| \(md(workload)) |"
            for cell in cells {
                guard let result = cell.workload(workload) else { out += " \(md(verdictText(cell.verdict))) |"; continue }
                let samples = iopsSamples(result)
                guard let median = try? Descriptive.median(samples) else { out += " \(md(verdictText(result.verdict ?? cell.verdict))) |"; continue }
                let shown = result.repetitions.compactMap { rep in iops(rep).map { grouped($0) + (rep.disturbed() ? "\u{2020}" : "") } }
                out += " \(grouped(median))" + (shown.count > 1 ? " (" + shown.joined(separator: " / ") + ")" : "") + " |"
            }
            guard let straitd, !peers.isEmpty else { out += "\n"; continue }
            var ratios: [Double] = []
            for run in runs {
                guard let own = run.cell(straitd.cellID)?.workload(workload) else { continue }
                let others = peers.compactMap { run.cell($0.cellID)?.workload(workload) }
                for rep in own.undisturbed {
                    guard let s = iops(rep) else { continue }
                    let same = others.compactMap { $0.repetitions.first { $0.index == rep.index } }
                    // A pair is only as clean as its noisiest member.
                    guard !same.contains(where: { $0.disturbed() }) else { continue }
                    let best = same.compactMap(iops).max()
                    if let best, best > 0 { ratios.append(s / best) }
                }
            }
            let medians = peers.compactMap { $0.workload(workload).flatMap { try? Descriptive.median(iopsSamples($0)) } }
            let own = straitd.workload(workload).flatMap { try? Descriptive.median(iopsSamples($0)) }
            out += " " + (ratios.isEmpty ? "-" : ratios.map { String(format: "%.2f", $0) }.joined(separator: " / ")) + " |"
            if let own, let best = medians.max(), best > 0 { out += String(format: " %.2f |\n", own / best) } else { out += " - |\n" }
        }
        if cells.contains(where: { $0.workloads.contains { $0.repetitions.contains { $0.disturbed() } } }) {
            out += "\n\u{2020} " + disturbedNote + "\n"
        }
        return out + "\n"
    }

    static let disturbedNote = String(format: "measured while other work took at least %.2f host cores (the runner's host-disturbance check): shown, but left out of every median and ratio.", Repetition.disturbanceThreshold)

    /// A repetition's IOPS (reads and writes together), nil when it measured nothing.
    static func iops(_ rep: Repetition) -> Double? {
        guard rep.error == nil, rep.fio != nil else { return nil }
        let m = rep.metrics
        guard m["read.iops"] != nil || m["write.iops"] != nil else { return nil }
        return (m["read.iops"] ?? 0) + (m["write.iops"] ?? 0)
    }

    /// The repetitions that count: measured, and not disturbed by other work on the host
    /// (`WorkloadResult.undisturbed`, the filter docs/reproductions.md reads through too).
    static func iopsSamples(_ result: WorkloadResult) -> [Double] { result.undisturbed.compactMap(iops) }

    /// "4,528" for one repetition, "4,271 [2,098-4,503] n=5" for more; a workload's verdict when
    /// it measured nothing.
    static func iopsText(_ result: WorkloadResult) -> String {
        let samples = iopsSamples(result)
        let disturbed = result.repetitions.filter { $0.disturbed() && iops($0) != nil }.count
        if samples.isEmpty && disturbed > 0 { return "all \(disturbed) repetition(s) disturbed" }
        guard let median = try? Descriptive.median(samples), let lo = samples.min(), let hi = samples.max() else {
            return md(verdictText(result.verdict ?? .skipped("no repetition measured")))
        }
        let note = disturbed > 0 ? " (+\(disturbed) disturbed, left out)" : ""
        return (samples.count == 1 ? grouped(median) : "\(grouped(median)) [\(grouped(lo))-\(grouped(hi))] n=\(samples.count)") + note
    }

    static func isNotRun(_ verdict: Verdict) -> Bool {
        switch verdict {
        case .unsupported, .skipped: true
        default: false
        }
    }

    static func verdictText(_ verdict: Verdict) -> String {
        guard let reason = verdict.reason else { return verdict.label }
        let short = reason.count > 90 ? String(reason.prefix(87)) + "..." : reason
        return "\(verdict.label): \(short)"
    }

    /// Workload names in first-seen order.
    static func workloadNames(_ cells: [CellResult]) -> [String] {
        var names: [String] = []
        for w in cells.flatMap(\.workloads) where !names.contains(w.workload) { names.append(w.workload) }
        return names
    }

    /// An integer with thousands separators, as the prose around the tables writes them.
    static func grouped(_ value: Double) -> String {
        let digits = String(Int(value.rounded()))
        var out = ""
        for (i, ch) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && ch != "-" { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }

    /// Hours and minutes in UTC, with the date of the start: "2026-11-28 15:52-16:10".
    static func utcSpan(_ start: Date, _ end: Date?) -> String {
        func format(_ date: Date, _ pattern: String) -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = pattern
            return f.string(from: date)
        }
        return format(start, "yyyy-MM-dd HH:mm") + "-" + (end.map { format($0, "HH:mm") } ?? "?")
    }
}
