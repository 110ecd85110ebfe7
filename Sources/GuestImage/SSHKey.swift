import Foundation

/// The harness's SSH key pair: generated once, kept in the cache, baked into every image.
public struct SSHKey: Sendable {
    public let privateKeyPath: String
    public let publicKey: String

    /// Loads the key, generating it with ssh-keygen the first time.
    public static func harnessKey(dir: String = StraitPaths.sshDir) throws(ImageError) -> SSHKey {
        try StraitPaths.ensure(dir, mode: 0o700)
        let path = dir + "/id_ed25519"
        if !FileManager.default.fileExists(atPath: path) {
            try HostCommand("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "strait-harness", "-f", path])
                .check(timeout: 30)
        }
        guard let data = FileManager.default.contents(atPath: path + ".pub") else {
            throw ImageError(.io, "cannot read \(path).pub")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return SSHKey(privateKeyPath: path, publicKey: text)
    }
}
