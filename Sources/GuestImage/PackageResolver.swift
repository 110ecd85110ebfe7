import Foundation

/// Resolves the versions apt would install for a recipe's packages, from a private apt state
/// (its own sources.list and lists under the cache) so the host's apt is never touched.
/// Lists are refreshed when older than `maxAge` or when forced; lookups after that take ~0.2 s.
public struct PackageResolver: Sendable {
    public let root: String
    public let sources: [String]
    public let architecture: String

    public init(recipe: Recipe, cache: String = StraitPaths.cache) {
        sources = recipe.sources
        architecture = recipe.architecture
        root = cache + "/apt/" + String(SHA256.hex(recipe.sources.joined(separator: "\n") + recipe.architecture).prefix(16))
    }

    private var options: [String] {
        [
            "-o", "Dir::Etc::SourceList=\(root)/sources.list",
            "-o", "Dir::Etc::SourceParts=\(root)/sources.list.d",
            "-o", "Dir::State=\(root)/state",
            "-o", "Dir::State::status=\(root)/status",
            "-o", "Dir::Cache=\(root)/cache",
            "-o", "APT::Architecture=\(architecture)",
            "-o", "APT::Architectures=\(architecture)",
            "-o", "Acquire::Languages=none",
        ]
    }

    private var stamp: String { root + "/state/updated" }

    /// Seconds since the lists were last refreshed, or nil if never.
    public func listsAge() -> Double? {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: stamp),
              let date = attrs[.modificationDate] as? Date else { return nil }
        return Date().timeIntervalSince(date)
    }

    /// Refreshes the private lists (apt-get update) if missing, stale or forced.
    public func refresh(force: Bool = false, maxAge: Double = 6 * 3600) throws(ImageError) {
        if !force, let age = listsAge(), age < maxAge { return }
        for dir in [root, root + "/sources.list.d", root + "/state/lists/partial", root + "/cache/archives/partial"] {
            try StraitPaths.ensure(dir)
        }
        let fm = FileManager.default
        _ = fm.createFile(atPath: root + "/sources.list", contents: Data((sources.joined(separator: "\n") + "\n").utf8))
        if !fm.fileExists(atPath: root + "/status") { fm.createFile(atPath: root + "/status", contents: Data()) }
        let result = try HostCommand("apt-get", options + ["-q", "update"]).run(timeout: 300)
        guard result.succeeded else {
            // Offline: stale lists still resolve; no lists at all cannot.
            if listsAge() != nil { return }
            throw ImageError(.resolve, "apt-get update failed: \(result.output.suffix(1500))")
        }
        _ = fm.createFile(atPath: stamp, contents: Data())
    }

    /// Candidate version of each package. Fails on any unknown package. The answer is memoised
    /// until the lists are next refreshed, which keeps a cached-image lookup well under a second.
    public func resolve(_ packages: [String]) throws(ImageError) -> [String: String] {
        let memo = root + "/resolved-" + String(SHA256.hex(packages.joined(separator: "\n")).prefix(16))
        let fm = FileManager.default
        if let memoDate = (try? fm.attributesOfItem(atPath: memo))?[.modificationDate] as? Date,
           let stampDate = (try? fm.attributesOfItem(atPath: stamp))?[.modificationDate] as? Date,
           memoDate >= stampDate, let data = fm.contents(atPath: memo) {
            let versions = Self.parseLines(String(decoding: data, as: UTF8.self))
            if packages.allSatisfy({ versions[$0] != nil }) { return versions }
        }
        let versions = try resolveWithApt(packages)
        let text = versions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
        _ = fm.createFile(atPath: memo, contents: Data(text.utf8))
        return versions
    }

    private func resolveWithApt(_ packages: [String]) throws(ImageError) -> [String: String] {
        let result = try HostCommand("apt-cache", options + ["show", "--no-all-versions"] + packages).run(timeout: 60)
        guard result.succeeded else {
            throw ImageError(.resolve, "apt-cache show: \(result.output.suffix(1500))")
        }
        let versions = Self.parseStanzas(result.output)
        let missing = packages.filter { versions[$0] == nil }
        guard missing.isEmpty else { throw ImageError(.resolve, "no candidate for \(missing.joined(separator: ", "))") }
        return versions
    }

    /// Package -> Version from apt-cache/dpkg stanzas.
    static func parseStanzas(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        var package: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Package: ") { package = String(line.dropFirst(9)).trimmingCharacters(in: .whitespaces) }
            if line.hasPrefix("Version: "), let p = package, out[p] == nil {
                out[p] = String(line.dropFirst(9)).trimmingCharacters(in: .whitespaces)
            }
            if line.isEmpty { package = nil }
        }
        return out
    }
}
