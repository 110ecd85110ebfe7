import Foundation

/// A finished image in the cache: disk (qcow2), kernel and initrd for direct boot, and the
/// manifest that says what went into it. Read-only once built: VMs boot from overlays on it.
public struct BuiltImage: Codable, Sendable {
    public var recipeName: String
    public var hash: String
    public var directory: String
    public var kernelVersion: String
    public var cmdline: String
    public var buildSeconds: Double
    public var builtAt: String
    public var accelerator: String
    /// Every installed package and version (dpkg-query inside the tree).
    public var packages: [String: String]

    public var disk: String { directory + "/disk.qcow2" }
    public var kernel: String { directory + "/vmlinuz" }
    public var initrd: String { directory + "/initrd.img" }
    static let manifestName = "manifest.json"

    /// Loads a complete image; nil when the directory or its manifest is missing (never half-built:
    /// the manifest is written last, inside a temp dir that is renamed into place).
    public static func load(directory: String) -> BuiltImage? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + manifestName),
              var image = try? JSONDecoder().decode(BuiltImage.self, from: data) else { return nil }
        image.directory = directory
        let fm = FileManager.default
        guard fm.fileExists(atPath: image.disk), fm.fileExists(atPath: image.kernel), fm.fileExists(atPath: image.initrd)
        else { return nil }
        return image
    }

    func writeManifest(to dir: String) throws(ImageError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: dir + "/" + BuiltImage.manifestName))
        } catch {
            throw ImageError(.io, "cannot write manifest in \(dir)", cause: error)
        }
    }
}
