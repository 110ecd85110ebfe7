import Passthrough
import VirtioFS

/// The C daemon's `-o a=b,c,...` list (also the Rust daemon's deprecated `-o`), the style libvirt 9.0 uses.
extension Settings {
    /// Splits a `-o` argument into its options. A comma inside a value is written `,,` (how libvirt
    /// escapes a source path with a comma in it) or `\,` (fuse_opt's escape, the C daemon's own).
    static func splitCompatList(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var iterator = Array(text).makeIterator()
        var pending: Character? = iterator.next()
        while let character = pending {
            pending = iterator.next()
            switch character {
            case "\\":
                if let escaped = pending {
                    current.append(escaped)
                    pending = iterator.next()
                } else {
                    current.append(character)
                }
            case ",":
                if pending == "," {
                    current.append(",")
                    pending = iterator.next()
                } else {
                    items.append(current)
                    current = ""
                }
            default:
                current.append(character)
            }
        }
        items.append(current)
        return items.filter { !$0.isEmpty }
    }

    /// Applies every option of one `-o` argument.
    mutating func applyCompatList(_ text: String) throws(OptionsError) {
        for item in Self.splitCompatList(text) {
            try applyCompatOption(item)
        }
    }

    /// Applies one `-o` option: `key=value` or a bare (`no_`-prefixed) switch.
    mutating func applyCompatOption(_ item: String) throws(OptionsError) {
        let option = "-o \(item)"
        if let equals = item.firstIndex(of: "=") {
            let key = String(item[..<equals])
            let value = String(item[item.index(after: equals)...])
            try applyCompatValue(key: key, value: value, option: option)
        } else {
            try applyCompatSwitch(item, option: option)
        }
    }

    private mutating func applyCompatValue(key: String, value: String, option: String) throws(OptionsError) {
        switch key {
        case "source":
            guard !value.isEmpty else { throw OptionsError(.invalidValue, "'\(option)': empty shared directory") }
            try sharedDir.set(Self.directory(value), from: option)
        case "cache":
            try cache.set(Self.parsed(CacheMode(parsing: value), value, for: "-o cache", expects: "none, auto, always, metadata"), from: option)
        case "sandbox":
            try sandbox.set(Self.parsed(SandboxMode(rawValue: value), value, for: "-o sandbox", expects: "namespace, chroot, none"), from: option)
        case "timeout":
            let seconds = Double(value).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil }
            try timeout.set(Self.parsed(seconds, value, for: "-o timeout", expects: "seconds, >= 0"), from: option)
        case "xattrmap":
            guard !value.isEmpty else { throw OptionsError(.invalidValue, "'\(option)': empty xattr map") }
            try xattrMap.set(value, from: option)
        case "log_level":
            try logLevel.set(Self.parsed(LogLevel(parsing: value), value, for: "-o log_level", expects: "debug, info, warn, err"), from: option)
        case "modcaps":
            capabilityChanges += try CapabilityChange.parseList(value, option: "-o modcaps")
        case "poll":
            try poll.set(Self.parsed(PollMode(rawValue: value), value, for: "-o poll", expects: "off, on, adaptive"), from: option)
        case "tag": try tag.set(try Self.tag(value, option: option), from: option)
        case "dax_window": try daxWindow.set(try Self.windowSize(value, option: option), from: option)
        case "max_idle_threads":
            ignored.append(option)  // idle pool threads are not reaped
        default:
            throw OptionsError(.unknownOption, "unknown option '\(option)'")
        }
    }

    private mutating func applyCompatSwitch(_ name: String, option: String) throws(OptionsError) {
        let enabled = !name.hasPrefix("no_")
        let base = enabled ? name : String(name.dropFirst(3))
        switch base {
        case "xattr": xattr.set(enabled)
        case "posix_acl": posixACL.set(enabled)
        case "writeback": writeback.set(enabled)
        case "readdirplus": readdirplus.set(enabled)
        case "killpriv_v2": killprivV2.set(enabled)
        case "allow_direct_io": allowDirectIO.set(enabled)
        case "posix_lock": posixLock.set(enabled)
        case "flock": flock.set(enabled)
        case "security_label": securityLabel.set(enabled)
        case "announce_submounts" where enabled: announceSubmounts.set(true)
        case "debug" where enabled: try logLevel.set(.level(.debug), from: option)
        case "norace" where enabled, "allow_root" where enabled:
            // C daemon switches for behaviour straitd does not have (racy fallbacks, FUSE's allow_root).
            ignored.append(option)
        default:
            throw OptionsError(.unknownOption, "unknown option '\(option)'")
        }
    }
}
