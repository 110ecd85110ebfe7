import Foundation

/// The Debian mirror a guest image is built from, when its recipe names none: the host's own apt
/// configuration (deb822 `*.sources` and one-line `*.list` / sources.list), so the repository
/// never names a mirror and an image builds wherever the host's apt works. The host's release
/// entries (CODENAME, CODENAME-updates, CODENAME-security) become the recipe suite's.
public enum HostMirrors {
    /// `deb URI SUITE COMPONENTS` lines for `suite`, from the host's apt configuration.
    public static func debSources(suite: String, aptDirectory: String = "/etc/apt",
                                  osRelease: String = "/etc/os-release") -> [String] {
        guard let codename = hostCodename(osRelease) else { return [] }
        var texts: [(deb822: Bool, text: String)] = []
        let fm = FileManager.default
        if let main = fm.contents(atPath: aptDirectory + "/sources.list") {
            texts.append((false, String(decoding: main, as: UTF8.self)))
        }
        let parts = aptDirectory + "/sources.list.d"
        for name in ((try? fm.contentsOfDirectory(atPath: parts)) ?? []).sorted() {
            guard name.hasSuffix(".sources") || name.hasSuffix(".list"),
                  let data = fm.contents(atPath: parts + "/" + name) else { continue }
            texts.append((name.hasSuffix(".sources"), String(decoding: data, as: UTF8.self)))
        }
        var lines: [String] = []
        for (deb822, text) in texts {
            for entry in deb822 ? parseDeb822(text) : parseOneLine(text) {
                guard let mapped = map(entry.suite, from: codename, to: suite) else { continue }
                let line = "deb \(entry.uri) \(mapped) \(entry.components)"
                if !lines.contains(line) { lines.append(line) }
            }
        }
        return lines
    }

    struct Entry: Equatable {
        var uri: String
        var suite: String
        var components: String
    }

    /// The host's release entries only: CODENAME, CODENAME-updates, CODENAME-security.
    static func map(_ suite: String, from codename: String, to target: String) -> String? {
        for tail in ["", "-updates", "-security"] where suite == codename + tail { return target + tail }
        return nil
    }

    static func parseDeb822(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        for stanza in text.components(separatedBy: "\n\n") {
            var fields: [String: String] = [:]
            for line in stanza.split(separator: "\n") where !line.hasPrefix("#") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] =
                    line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            guard (fields["types"] ?? "").split(separator: " ").contains("deb"), fields["enabled"] != "no",
                  let uris = fields["uris"], let suites = fields["suites"] else { continue }
            let components = fields["components"] ?? "main"
            for uri in uris.split(separator: " ") {
                for suite in suites.split(separator: " ") {
                    entries.append(Entry(uri: String(uri), suite: String(suite), components: components))
                }
            }
        }
        return entries
    }

    static func parseOneLine(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            var words = line.split(separator: " ").map(String.init)
            guard words.first == "deb" else { return nil }
            words.removeFirst()
            if words.first?.hasPrefix("[") == true {
                while let w = words.first, !w.hasSuffix("]") { words.removeFirst() }
                words.removeFirst()
            }
            guard words.count >= 3 else { return nil }
            return Entry(uri: words[0], suite: words[1], components: words[2...].joined(separator: " "))
        }
    }

    static func hostCodename(_ osRelease: String) -> String? {
        guard let data = FileManager.default.contents(atPath: osRelease) else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("VERSION_CODENAME=") {
            return String(line.dropFirst("VERSION_CODENAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }
}
