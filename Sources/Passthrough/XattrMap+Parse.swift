import Glibc

extension XattrMap {
    /// Parses virtiofsd's rule string; errors name the rule (1-based) and what was expected.
    public init(parsing text: String) throws(FSError) {
        var parser = RuleParser(Array(text.utf8))
        var rules: [Rule] = []
        var number = 0
        while let sep = parser.nextSeparator() {
            number += 1
            let typeField = try parser.field(sep, what: "type", rule: number)
            if typeField == "map" {
                let key = try parser.field(sep, what: "key", rule: number)
                let prepend = try parser.field(sep, what: "prepend", rule: number)
                guard parser.nextSeparator() == nil else {
                    throw Self.error(number + 1, "'map' must be the last rule")
                }
                rules += Self.expandMap(key: key, prepend: prepend)
                break
            }
            guard let type = RuleType(rawValue: typeField) else {
                throw Self.error(number, "unknown type '\(typeField)'; expecting prefix, ok, bad, unsupported or map")
            }
            let scopeField = try parser.field(sep, what: "scope", rule: number)
            let scope: Scope
            switch scopeField {
            case "client": scope = .client
            case "server": scope = .server
            case "all": scope = .all
            default:
                throw Self.error(number, "unknown scope '\(scopeField)'; expecting client, server or all")
            }
            let key = try parser.field(sep, what: "key", rule: number)
            let prepend = try parser.field(sep, what: "prepend", rule: number)
            rules.append(Rule(type: type, scope: scope, key: key, prepend: prepend))
        }
        guard !rules.isEmpty else { throw FSError.invalid("xattrmap: empty map") }
        self.init(rules: rules)
    }

    /// `:map:key:prepend:` as virtiofsd expands it.
    static func expandMap(key: String, prepend: String) -> [Rule] {
        var rules = [Rule(type: .prefix, scope: .all, key: key, prepend: prepend)]
        if key.isEmpty {
            // Prefix everything; hide whatever on the host is not prefixed.
            rules.append(Rule(type: .bad, scope: .all, key: "", prepend: ""))
        } else {
            // Hide host names that look like unprefixed `key`, stop the guest from reaching
            // prefixed names directly, pass everything else through.
            rules.append(Rule(type: .bad, scope: .server, key: "", prepend: key))
            rules.append(Rule(type: .bad, scope: .client, key: prepend, prepend: ""))
            rules.append(Rule(type: .ok, scope: .all, key: "", prepend: ""))
        }
        return rules
    }

    static func error(_ rule: Int, _ message: String) -> FSError {
        FSError.invalid("xattrmap rule \(rule): \(message)")
    }
}

/// Splits the rule string: whitespace between rules is skipped, each rule's first character
/// is its separator, and every field ends with that separator.
private struct RuleParser {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func nextSeparator() -> UInt8? {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].contains(bytes[position]) {
            position += 1
        }
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func field(_ sep: UInt8, what: String, rule: Int) throws(FSError) -> String {
        guard let end = bytes[position...].firstIndex(of: sep) else {
            let c = String(decoding: [sep], as: UTF8.self)
            throw XattrMap.error(rule, "missing '\(c)' at the end of the \(what) field")
        }
        let text = String(decoding: bytes[position..<end], as: UTF8.self)
        position = end + 1
        return text
    }
}
