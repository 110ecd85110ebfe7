/// `--filter backend=straitd,cache=auto|always,workload=randread-psync`: terms joined by commas;
/// different keys must all match, values of one key (repeated or joined by `|`) are alternatives.
public struct CellFilter: Sendable, Hashable {
    public static let keys: Set<String> = Set(Axis.allCases.map(\.rawValue)).union(["workload", "id"])

    public var terms: [String: Set<String>]

    public init(terms: [String: Set<String>] = [:]) {
        self.terms = terms
    }

    public static func parse(_ text: String) throws(MatrixError) -> CellFilter {
        var terms: [String: Set<String>] = [:]
        for term in text.split(separator: ",") {
            let parts = term.split(separator: "=", maxSplits: 1).map { String($0) }
            guard parts.count == 2, !parts[1].isEmpty else {
                throw MatrixError(.badFilter, "expected KEY=VALUE, got '\(term)'", field: "filter")
            }
            let key = parts[0].trimmingSpaces
            guard keys.contains(key) else {
                throw MatrixError(
                    .badFilter, "unknown key '\(key)' (known: \(keys.sorted().joined(separator: ", ")))", field: "filter")
            }
            for raw in parts[1].split(separator: "|") {
                let value = String(raw).trimmingSpaces
                terms[key, default: []].insert(try normalize(key: key, value: value))
            }
        }
        return CellFilter(terms: terms)
    }

    /// Values are compared in the spelling cells use; a typo in a closed axis is an error, not
    /// an empty selection.
    private static func normalize(key: String, value: String) throws(MatrixError) -> String {
        switch key {
        case "backend":
            guard ShareBackend(rawValue: value) != nil else {
                throw MatrixError(.badFilter, "unknown backend '\(value)'", field: "filter.backend")
            }
        case "dax":
            guard Dax(rawValue: value) != nil else {
                throw MatrixError(.badFilter, "dax is off, on or inode, not '\(value)'", field: "filter.dax")
            }
        case "processing":
            guard value == "none" || Processing(parsing: value) != nil else {
                throw MatrixError(.badFilter, "bad processing '\(value)'", field: "filter.processing")
            }
            return Processing(parsing: value)?.description ?? value
        case "vmm":
            guard VMM(rawValue: value) != nil else {
                throw MatrixError(.badFilter, "vmm is \(VMM.allCases.map(\.rawValue).joined(separator: " or ")), not '\(value)'", field: "filter.vmm")
            }
        case "queues":
            guard let n = Int(value), n >= 1 else {
                throw MatrixError(.badFilter, "queues is a number of request queues, not '\(value)'", field: "filter.queues")
            }
            return String(n)
        default:
            break
        }
        return value
    }

    /// The filter in `--filter` syntax, keys and values sorted: what a run document records.
    public var text: String {
        terms.keys.sorted().map { "\($0)=\(terms[$0]!.sorted().joined(separator: "|"))" }.joined(separator: ",")
    }

    public func matches(_ cell: Cell) -> Bool {
        for (key, values) in terms {
            if key == "id" {
                if !values.contains(cell.id) { return false }
            } else if let axis = Axis(rawValue: key), !values.contains(cell.value(of: axis)) {
                return false
            }
        }
        return true
    }

    public func matches(_ workload: Workload) -> Bool {
        terms["workload"].map { $0.contains(workload.name) } ?? true
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
