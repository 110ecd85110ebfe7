/// A daemon's command line with `{socket}` and `{dir}` placeholders, as strait-load and the tests
/// take it ("NAME=COMMAND"), so any vhost-user-fs daemon can be driven unchanged.
public struct DaemonSpec: Sendable, Equatable {
    public var name: String
    public var arguments: [String]

    public init(name: String, arguments: [String]) {
        self.name = name
        self.arguments = arguments
    }

    /// Parses "NAME=COMMAND"; COMMAND is split like a shell would for words, single and double
    /// quotes and backslashes (no expansions). The pseudo-daemon `host` has no command.
    public init(spec: String) throws(DriverError) {
        guard let eq = spec.firstIndex(of: "=") else {
            guard spec == "host" else {
                throw DriverError(.daemon, "daemon '\(spec)' needs NAME=COMMAND (or be the pseudo-daemon 'host')")
            }
            self.init(name: "host", arguments: [])
            return
        }
        let name = String(spec[..<eq])
        guard !name.isEmpty else { throw DriverError(.daemon, "daemon spec '\(spec)' has an empty name") }
        let words = try Self.split(String(spec[spec.index(after: eq)...]))
        if words.isEmpty && name != "host" { throw DriverError(.daemon, "daemon '\(name)' has an empty command") }
        self.init(name: name, arguments: words)
    }

    public var isHost: Bool { arguments.isEmpty }

    /// The argv with placeholders filled in.
    public func expanded(socket: String, dir: String) -> [String] {
        arguments.map { $0.replacingAll("{socket}", with: socket).replacingAll("{dir}", with: dir) }
    }

    static func split(_ line: String) throws(DriverError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escape = false
        for ch in line {
            if escape { current.append(ch); escape = false; continue }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escape = true } else { current.append(ch) }
                continue
            }
            switch ch {
            case "\\": escape = true; inWord = true
            case "'", "\"": quote = ch; inWord = true
            case " ", "\t", "\n":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(ch); inWord = true
            }
        }
        guard quote == nil, !escape else { throw DriverError(.daemon, "unterminated quote in command: \(line)") }
        if inWord { words.append(current) }
        return words
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        guard !target.isEmpty, count >= target.count else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}
