import Foundation

/// Where Strait keeps what outlives a run: built images, the harness SSH key, probe results.
/// `STRAIT_CACHE` overrides; root uses /var/cache/strait, others ~/.cache/strait.
public enum StraitPaths {
    public static var cache: String {
        if let dir = ProcessInfo.processInfo.environment["STRAIT_CACHE"], !dir.isEmpty { return dir }
        if getuid() == 0 { return "/var/cache/strait" }
        return NSHomeDirectory() + "/.cache/strait"
    }

    public static var images: String { cache + "/images" }
    public static var sshDir: String { cache + "/ssh" }

    /// Creates a directory (and parents) if missing.
    public static func ensure(_ dir: String, mode: Int = 0o755) throws(ImageError) {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: mode])
        } catch {
            throw ImageError(.io, "cannot create \(dir)", cause: error)
        }
    }
}
