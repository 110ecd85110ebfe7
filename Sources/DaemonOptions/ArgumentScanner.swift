/// One command-line element, classified but not yet interpreted.
enum Argument: Equatable {
    /// `--name` or `--name=value` (the value, if any, came after `=`).
    case long(name: String, value: String?)
    /// `-x`, or `-xVALUE` glued (the C daemon's `-osource=/dir`).
    case short(flag: Character, glued: String?)
    /// Anything not starting with `-`.
    case positional(String)
}

/// Walks argv the way both reference daemons do: long options take their value after `=`
/// or as the next element (the Rust daemon accepts both; libvirt always uses `=`), short
/// options take theirs glued or as the next element.
struct ArgumentScanner {
    private let arguments: [String]
    private var index = 0

    init(_ arguments: [String]) {
        self.arguments = arguments
    }

    /// The next classified element, nil at the end. `--` ends option parsing (everything after is positional).
    mutating func next() -> Argument? {
        guard index < arguments.count else { return nil }
        let text = arguments[index]
        index += 1
        if text == "--" {
            // Nothing after "--" is meaningful to straitd; report the first as a stray positional.
            guard index < arguments.count else { return next() }
            let rest = arguments[index]
            index = arguments.count
            return .positional(rest)
        }
        if text.hasPrefix("--") {
            let body = text.dropFirst(2)
            if let equals = body.firstIndex(of: "=") {
                return .long(name: String(body[..<equals]), value: String(body[body.index(after: equals)...]))
            }
            return .long(name: String(body), value: nil)
        }
        if text.hasPrefix("-"), text.count >= 2 {
            let body = text.dropFirst()
            let flag = body[body.startIndex]
            let rest = body.dropFirst()
            return .short(flag: flag, glued: rest.isEmpty ? nil : String(rest))
        }
        return .positional(text)
    }

    /// The value of an option given as the following element, consumed. Nil at the end of argv
    /// or when the next element is itself an option (`--shared-dir --xattr` lacks a directory;
    /// a value starting with '-' must be glued: `--modcaps=-chown`).
    mutating func takeValue() -> String? {
        guard index < arguments.count else { return nil }
        if arguments[index].hasPrefix("-"), arguments[index].count > 1 { return nil }
        let value = arguments[index]
        index += 1
        return value
    }
}
