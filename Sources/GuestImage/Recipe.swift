import Foundation
import Yams

/// A guest image recipe (images/*.yaml): which Debian, which packages, how the guest is set up.
/// Everything that changes the built disk is in here, so its canonical form feeds the cache key.
public struct Recipe: Codable, Sendable, Equatable {
    public var name: String
    public var suite: String
    public var architecture: String
    /// apt source lines (`deb URL SUITE COMPONENTS`), used both to build and to resolve versions.
    public var sources: [String]
    /// The kernel package; its vmlinuz and initrd are extracted for direct boot.
    public var kernel: String
    public var packages: [String]
    /// Modules forced into the initrd (MODULES=list keeps it small, which matters under TCG).
    public var initrdModules: [String]
    /// dpkg path-exclude globs: documentation, locales, drivers a VM never loads.
    public var excludes: [String]
    public var diskSizeMiB: Int
    public var hostname: String
    public var mountPoints: [String]
    /// Kernel command line for direct boot (root is the first virtio disk).
    public var cmdline: String
    /// Units masked to shorten boot (waits for networks and timers a test VM never needs).
    public var maskUnits: [String]

    enum CodingKeys: String, CodingKey {
        case name, suite, architecture, sources, kernel, packages, excludes, hostname, cmdline
        case initrdModules = "initrd_modules", diskSizeMiB = "disk_size_mib"
        case mountPoints = "mount_points", maskUnits = "mask_units"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        suite = try c.decodeIfPresent(String.self, forKey: .suite) ?? "bookworm"
        architecture = try c.decodeIfPresent(String.self, forKey: .architecture) ?? "amd64"
        // No mirror in the repository: by default the host's own (HostMirrors).
        sources = try c.decodeIfPresent([String].self, forKey: .sources)
            ?? HostMirrors.debSources(suite: suite)
        kernel = try c.decodeIfPresent(String.self, forKey: .kernel) ?? "linux-image-amd64"
        packages = try c.decodeIfPresent([String].self, forKey: .packages) ?? []
        initrdModules = try c.decodeIfPresent([String].self, forKey: .initrdModules) ?? []
        excludes = try c.decodeIfPresent([String].self, forKey: .excludes) ?? []
        diskSizeMiB = try c.decodeIfPresent(Int.self, forKey: .diskSizeMiB) ?? 4096
        hostname = try c.decodeIfPresent(String.self, forKey: .hostname) ?? "strait-guest"
        mountPoints = try c.decodeIfPresent([String].self, forKey: .mountPoints) ?? ["/mnt/share"]
        cmdline = try c.decodeIfPresent(String.self, forKey: .cmdline) ?? "root=/dev/vda rw console=ttyS0"
        maskUnits = try c.decodeIfPresent([String].self, forKey: .maskUnits) ?? []
    }

    /// Parses YAML; errors name the file and, where Yams knows it, the line.
    public static func parse(_ yaml: String, file: String = "<recipe>") throws(ImageError) -> Recipe {
        let recipe: Recipe
        do {
            recipe = try YAMLDecoder().decode(Recipe.self, from: yaml)
        } catch let error as DecodingError {
            throw ImageError(.recipe, "\(file): \(describe(error))")
        } catch {
            throw ImageError(.recipe, "\(file)", cause: error)
        }
        try recipe.validate(file: file)
        return recipe
    }

    public static func load(path: String) throws(ImageError) -> Recipe {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageError(.recipe, "cannot read \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    func validate(file: String) throws(ImageError) {
        let safe: (String) -> Bool = { $0.allSatisfy { $0.isLetter || $0.isNumber || "+-._:".contains($0) } }
        guard !name.isEmpty, safe(name) else { throw ImageError(.recipe, "\(file): name '\(name)' must be [A-Za-z0-9+-._:]+") }
        for p in packages + [kernel] where p.isEmpty || !safe(p) {
            throw ImageError(.recipe, "\(file): package name '\(p)' is not a Debian package name")
        }
        guard !sources.isEmpty else {
            throw ImageError(.recipe, "\(file): no sources, and none for the host's release in /etc/apt (give 'sources:')")
        }
        guard sources.allSatisfy({ $0.hasPrefix("deb ") }) else {
            throw ImageError(.recipe, "\(file): sources must be 'deb URL SUITE COMPONENTS' lines")
        }
        guard diskSizeMiB >= 512 else { throw ImageError(.recipe, "\(file): disk_size_mib \(diskSizeMiB) is below 512") }
        for m in mountPoints where !m.hasPrefix("/") {
            throw ImageError(.recipe, "\(file): mount point '\(m)' is not absolute")
        }
    }

    /// Deterministic JSON (sorted keys): what the cache key hashes.
    public func canonical() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "\(self)" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Every package the image must contain (the kernel first).
    public var allPackages: [String] { [kernel] + packages }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ ctx: DecodingError.Context) -> String {
            ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, ctx): return "missing field '\(key.stringValue)' at '\(path(ctx))'"
        case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx), let .dataCorrupted(ctx):
            return "field '\(path(ctx))': \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
