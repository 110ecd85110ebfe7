/// One value the command line may set, remembering which option set it so that two options
/// that disagree (`-o source=/a` and `--shared-dir=/b`) are reported together.
struct Setting<Value: Equatable>: Equatable {
    private(set) var value: Value?
    private(set) var origin: String?

    /// Sets the value; an equal value given again is fine, a different one is a conflict.
    mutating func set(_ newValue: Value, from option: String) throws(OptionsError) {
        if let value, let origin, value != newValue {
            throw OptionsError(.conflict, "'\(option)' conflicts with '\(origin)'")
        }
        value = newValue
        origin = option
    }
}

/// An on/off switch: the last one given wins, as with the C daemon's `-o xattr,no_xattr` and the
/// Rust daemon's `--announce-submounts`/`--no-announce-submounts`.
struct Toggle: Equatable {
    private(set) var value: Bool?

    mutating func set(_ newValue: Bool) { value = newValue }
}

extension Settings {
    /// A directory path without trailing slashes, so `-o source=/s` and `--shared-dir=/s/` agree.
    static func directory(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}
