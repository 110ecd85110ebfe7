/// One line of the guest correctness script's output (`PASS|FAIL|UNSUPPORTED name detail`),
/// and a whole run of it. The script prints its own SUMMARY; we recount from the lines so a
/// truncated run (script killed, SSH dropped) can never look like a pass.
public struct CheckLine: Sendable, Equatable {
    public enum Status: String, Sendable { case pass = "PASS", fail = "FAIL", unsupported = "UNSUPPORTED" }
    public let status: Status
    public let name: String
    public let detail: String

    public static func parse(_ line: Substring) -> CheckLine? {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let status = Status(rawValue: String(parts[0])) else { return nil }
        return CheckLine(status: status, name: String(parts[1]), detail: parts.count > 2 ? String(parts[2]) : "")
    }
}

public struct GuestCheckResult: Sendable {
    public let label: String
    public let lines: [CheckLine]
    public let output: String
    public let exitStatus: Int32
    public let seconds: Double
    /// The script's own SUMMARY line was seen (it ran to the end).
    public let completed: Bool

    public init(label: String, output: String, exitStatus: Int32, seconds: Double) {
        self.label = label
        self.output = output
        self.exitStatus = exitStatus
        self.seconds = seconds
        let all = output.split(separator: "\n")
        lines = all.compactMap(CheckLine.parse)
        completed = all.contains { $0.hasPrefix("SUMMARY ") }
    }

    public var failures: [CheckLine] { lines.filter { $0.status == .fail } }
    public var unsupported: [CheckLine] { lines.filter { $0.status == .unsupported } }
    public var passes: [CheckLine] { lines.filter { $0.status == .pass } }

    /// Passed: ran to the end, exit 0, no FAIL line, and at least one PASS.
    public var passed: Bool { completed && exitStatus == 0 && failures.isEmpty && !passes.isEmpty }

    public var summary: String {
        "\(label): \(passes.count) pass, \(failures.count) fail, \(unsupported.count) unsupported in \(String(format: "%.0f", seconds)) s" + (completed ? "" : " (INCOMPLETE)")
    }
}
