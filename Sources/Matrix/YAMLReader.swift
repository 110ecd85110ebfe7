import Yams

/// Walks a composed YAML tree and turns every problem into a MatrixError carrying the node's line,
/// column and dotted field path (`axes.cache[1]`).
struct YAMLReader {
    let file: String

    func fail(_ code: MatrixError.Code, _ message: String, _ node: Node?, _ field: String) -> MatrixError {
        MatrixError(code, message, file: file, line: node?.mark?.line, column: node?.mark?.column, field: field)
    }

    /// A mapping's entries in order. Keys must be plain scalars, unique, and among `allowed`.
    func mapping(_ node: Node, _ field: String, allowed: Set<String>? = nil) throws(MatrixError) -> [(String, Node)] {
        guard let mapping = node.mapping else {
            throw fail(.wrongType, "expected a mapping, got \(kind(node))", node, field)
        }
        var seen = Set<String>()
        var entries: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw fail(.wrongType, "keys must be plain names", keyNode, field)
            }
            let path = field.isEmpty ? key : "\(field).\(key)"
            if let allowed, !allowed.contains(key) {
                throw fail(.unknownField, "unknown field (expected one of: \(allowed.sorted().joined(separator: ", ")))", keyNode, path)
            }
            guard seen.insert(key).inserted else {
                throw fail(.duplicateKey, "duplicate key", keyNode, path)
            }
            entries.append((key, value))
        }
        return entries
    }

    func string(_ node: Node, _ field: String) throws(MatrixError) -> String {
        guard let scalar = node.scalar else {
            throw fail(.wrongType, "expected a scalar, got \(kind(node))", node, field)
        }
        return scalar.string
    }

    func int(_ node: Node, _ field: String, min: Int = 1) throws(MatrixError) -> Int {
        let text = try string(node, field)
        guard let value = Int(text) else {
            throw fail(.wrongType, "expected an integer, got '\(text)'", node, field)
        }
        guard value >= min else {
            throw fail(.invalidValue, "must be at least \(min), got \(value)", node, field)
        }
        return value
    }

    func bool(_ node: Node, _ field: String) throws(MatrixError) -> Bool {
        let text = try string(node, field)
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(.wrongType, "expected true or false, got '\(text)'", node, field)
        }
    }

    /// A sequence, or a lone scalar taken as a one-element list (`backend: straitd`).
    func list(_ node: Node, _ field: String) throws(MatrixError) -> [(Node, String)] {
        if let sequence = node.sequence {
            guard !sequence.isEmpty else {
                throw fail(.emptyAxis, "empty list", node, field)
            }
            return sequence.enumerated().map { ($1, "\(field)[\($0)]") }
        }
        if node.scalar != nil { return [(node, field)] }
        throw fail(.wrongType, "expected a list, got \(kind(node))", node, field)
    }

    /// A list of values each checked by `parse`, which returns nil for an invalid value.
    func values<T>(
        _ node: Node, _ field: String, expected: String, _ parse: (String) -> T?
    ) throws(MatrixError) -> [T] {
        var out: [T] = []
        var seen = Set<String>()
        for (item, path) in try list(node, field) {
            let text = try string(item, path)
            guard let value = parse(text) else {
                throw fail(.invalidValue, "'\(text)' is not \(expected)", item, path)
            }
            // A value listed twice would run the same cells twice under one name.
            guard seen.insert(text).inserted else {
                throw fail(.duplicateKey, "'\(text)' is listed twice", item, path)
            }
            out.append(value)
        }
        return out
    }

    /// `10%` or `0.1`.
    func fraction(_ node: Node, _ field: String) throws(MatrixError) -> Double {
        let text = try string(node, field)
        let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
        guard let value, value >= 0, value < 10 else {
            throw fail(.invalidValue, "expected a tolerance like 10% or 0.1, got '\(text)'", node, field)
        }
        return value
    }

    /// fio sizes: digits with an optional K/M/G/T suffix (fio's own syntax).
    func size(_ node: Node, _ field: String) throws(MatrixError) -> String {
        let text = try string(node, field)
        let digits = text.prefix { $0.isNumber }
        let suffix = text.dropFirst(digits.count).uppercased()
        guard !digits.isEmpty, Int(digits).map({ $0 > 0 }) == true,
            ["", "K", "M", "G", "T", "KB", "MB", "GB", "TB", "KI", "MI", "GI", "KIB", "MIB", "GIB"].contains(suffix)
        else {
            throw fail(.invalidValue, "expected a size like 64M or 4G, got '\(text)'", node, field)
        }
        return text
    }

    private func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "scalar '\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
