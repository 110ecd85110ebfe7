import Foundation

/// Keeps the evidence of a failed VM together: console log, domain XML, QEMU's log from
/// libvirt, daemon logs and a note saying what failed, so nobody has to rerun to see why.
public enum FailureBundle {
    /// Copies whatever of `files` exists into a new bundle directory; returns its path.
    public static func keep(name: String, reason: String, files: [String: String], texts: [String: String] = [:]) -> String {
        let dir = Run.bundles + "/" + name + "-" + String(Int(Date().timeIntervalSince1970))
        let fm = FileManager.default
        try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = fm.createFile(atPath: dir + "/reason.txt", contents: Data((reason + "\n").utf8))
        for (target, source) in files where fm.fileExists(atPath: source) {
            try? fm.copyItem(atPath: source, toPath: dir + "/" + target)
        }
        for (target, text) in texts {
            _ = fm.createFile(atPath: dir + "/" + target, contents: Data(text.utf8))
        }
        return dir
    }
}
