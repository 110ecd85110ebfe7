import Foundation

/// A seed report's published table and conclusions, transcribed as data
/// (`matrices/published/<matrix>.txt`) so docs/reproductions.md can set them beside our numbers.
/// Line format, one statement a line, `#` comments:
///
///     title: ...   date: ...   source: ...   matrix: NAME   machine: ...   unit: MiB/s|seconds
///     map PUBLISHED-NAME = OUR-REFERENCE-CELL [OUR-STRAITD-CELL]   (`-` for the reference: only straitd has it)
///     claim TEXT | A > B [| WORKLOAD-PATTERN...]      (A's value above B's; `<` for below)
///     row PUBLISHED-NAME WORKLOAD VALUE               (VALUE or READ/WRITE; 0 = not supported)
public struct PublishedReport: Sendable, Hashable {
    public var title = ""
    public var date = ""
    public var source = ""
    public var matrix = ""
    public var machine = ""
    public var unit = "MiB/s"
    public var mapping: [Mapping] = []
    public var claims: [Claim] = []
    public var rows: [Row] = []
    /// `note:` lines: what we found about this reproduction that the tables cannot say (a cause,
    /// a cost), printed under the section as paragraphs, so the page stays generated.
    public var notes: [String] = []

    public struct Mapping: Sendable, Hashable {
        /// The reference cell of a configuration no reference daemon has (straitd's auto-switch).
        public static let none = "-"
        public var published: String
        /// A cell id, or `none`.
        public var reference: String
        public var straitd: String?
    }

    public struct Claim: Sendable, Hashable {
        public var text: String
        public var left: String
        public var right: String
        /// true: left's value above right's; false: below.
        public var above: Bool
        /// `*` globs over workload names; empty = every workload.
        public var workloads: [String]

        public func covers(_ workload: String) -> Bool {
            workloads.isEmpty || workloads.contains { Self.glob($0, workload) }
        }

        static func glob(_ pattern: String, _ text: String) -> Bool {
            guard let star = pattern.firstIndex(of: "*") else { return pattern == text }
            let head = pattern[..<star], tail = pattern[pattern.index(after: star)...]
            return text.count >= head.count + tail.count && text.hasPrefix(head) && text.hasSuffix(tail)
        }
    }

    public struct Row: Sendable, Hashable {
        public var name: String
        public var workload: String
        /// Bandwidth (read + write for mixed jobs) or seconds; 0 when the report had no number.
        public var value: Double
        public var text: String
    }

    /// Seconds: lower is better; bandwidth: higher.
    public var lowerIsBetter: Bool { unit == "seconds" }

    public var workloads: [String] {
        var seen = Set<String>()
        return rows.map(\.workload).filter { seen.insert($0).inserted }
    }

    public func value(_ name: String, _ workload: String) -> Double? {
        rows.first { $0.name == name && $0.workload == workload }.map(\.value)
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    public static func load(path: String) throws -> PublishedReport {
        try parse(String(contentsOfFile: path, encoding: .utf8), file: path)
    }

    public static func parse(_ text: String, file: String = "<published>") throws(ParseError) -> PublishedReport {
        var report = PublishedReport()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            func fail(_ message: String) -> ParseError { ParseError(file: file, line: index + 1, message: message) }
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            switch words[0] {
            case "map":
                guard words.count >= 4, words.count <= 5, words[2] == "=" else { throw fail("map NAME = REFERENCE-CELL [STRAITD-CELL]") }
                guard words[3] != Mapping.none || words.count == 5 else { throw fail("map NAME = - STRAITD-CELL: '-' needs a straitd cell") }
                report.mapping.append(Mapping(published: words[1], reference: words[3], straitd: words.count == 5 ? words[4] : nil))
            case "row":
                guard words.count == 4 else { throw fail("row NAME WORKLOAD VALUE") }
                let parts = words[3].split(separator: "/").map { Double($0) }
                guard !parts.isEmpty, parts.count <= 2, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
                    throw fail("'\(words[3])' is not a number or READ/WRITE")
                }
                report.rows.append(Row(name: words[1], workload: words[2], value: parts.reduce(0) { $0 + $1! }, text: words[3]))
            case "claim":
                let parts = line.dropFirst("claim".count).split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 || parts.count == 3 else { throw fail("claim TEXT | A > B [| WORKLOADS]") }
                let relation = parts[1].split(separator: " ").map(String.init)
                guard relation.count == 3, relation[1] == ">" || relation[1] == "<" else { throw fail("claim relation: A > B or A < B") }
                report.claims.append(Claim(
                    text: parts[0], left: relation[0], right: relation[2], above: relation[1] == ">",
                    workloads: parts.count == 3 ? parts[2].split(separator: " ").map(String.init) : []))
            default:
                guard let colon = line.firstIndex(of: ":") else { throw fail("unknown statement '\(words[0])'") }
                let key = String(line[..<colon]), value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                switch key {
                case "title": report.title = value
                case "date": report.date = value
                case "source": report.source = value
                case "matrix": report.matrix = value
                case "machine": report.machine = value
                case "note": report.notes.append(value)
                case "unit":
                    guard value == "MiB/s" || value == "seconds" else { throw fail("unit: MiB/s or seconds") }
                    report.unit = value
                default: throw fail("unknown field '\(key)'")
                }
            }
        }
        guard !report.matrix.isEmpty else { throw ParseError(file: file, line: 1, message: "no matrix:") }
        let names = Set(report.mapping.map(\.published))
        for row in report.rows where !names.contains(row.name) {
            throw ParseError(file: file, line: 1, message: "row name \(row.name) has no map line")
        }
        for claim in report.claims where !names.contains(claim.left) || !names.contains(claim.right) {
            throw ParseError(file: file, line: 1, message: "claim '\(claim.text)' names a configuration without a map line")
        }
        return report
    }
}
