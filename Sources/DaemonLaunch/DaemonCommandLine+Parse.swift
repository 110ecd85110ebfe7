/// Why a "NAME=COMMAND" daemon spec was refused.
public struct DaemonCommandLineError: Error, Sendable, Equatable, CustomStringConvertible {
    public let spec: String
    public let reason: String
    public var description: String { "daemon '\(spec)': \(reason)" }
}

extension DaemonCommandLine {
    /// Parses "NAME=COMMAND"; COMMAND is split like a shell would for words, single and double
    /// quotes and backslashes (no expansions). The pseudo-daemon `host` has no command.
    public init(spec: String) throws(DaemonCommandLineError) {
        guard let eq = spec.firstIndex(of: "=") else {
            guard spec == "host" else { throw DaemonCommandLineError(spec: spec, reason: "needs NAME=COMMAND (or be the pseudo-daemon 'host')") }
            self.init(name: "host", arguments: [])
            return
        }
        let name = String(spec[..<eq])
        guard !name.isEmpty else { throw DaemonCommandLineError(spec: spec, reason: "empty name") }
        guard let words = Self.split(String(spec[spec.index(after: eq)...])) else {
            throw DaemonCommandLineError(spec: spec, reason: "unterminated quote in the command")
        }
        if words.isEmpty && name != "host" { throw DaemonCommandLineError(spec: spec, reason: "empty command") }
        self.init(name: name, arguments: words)
    }

    /// Shell-like word splitting; nil on an unterminated quote or escape.
    static func split(_ line: String) -> [String]? {
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
        guard quote == nil, !escape else { return nil }
        if inWord { words.append(current) }
        return words
    }
}

extension String {
    /// Every occurrence of `target` replaced (Foundation-free).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        let t = Array(target.utf8)
        let bytes = Array(utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if i + t.count <= bytes.count && bytes[i..<(i + t.count)].elementsEqual(t) {
                out += replacement.utf8
                i += t.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
