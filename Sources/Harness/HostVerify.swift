import Foundation
import GuestImage

/// Checks on the host what the guest wrote into a shared directory, with the host's own tools
/// (coreutils sha256sum), so a daemon that lies to the guest cannot pass.
public enum HostVerify {
    /// Verifies `host-check.bin` against `host-check.sha256` and the extracted tar tree
    /// (`tarx/tree`) against `tarx.sha256`. Returns a description of what was verified.
    public static func verifyShare(_ dir: String, expectedTarFiles: Int) throws(HarnessError) -> String {
        let fm = FileManager.default
        guard let want = fm.contents(atPath: dir + "/host-check.sha256").map({ String(decoding: $0, as: UTF8.self) })?
            .trimmingCharacters(in: .whitespacesAndNewlines), !want.isEmpty else {
            throw HarnessError(.guest, "guest-written \(dir)/host-check.sha256 missing on the host")
        }
        let got: String
        do {
            got = try HostCommand("sha256sum", [dir + "/host-check.bin"]).check(timeout: 60)
                .split(separator: " ").first.map(String.init) ?? ""
        } catch { throw HarnessError(.guest, "host sha256sum", cause: error) }
        guard got == want else {
            throw HarnessError(.guest, "host-check.bin: host sees sha256 \(got), guest wrote \(want)")
        }
        let manifest = dir + "/tarx.sha256"
        guard let text = fm.contents(atPath: manifest).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw HarnessError(.guest, "tar manifest \(manifest) missing on the host")
        }
        let entries = text.split(separator: "\n").count
        guard entries == expectedTarFiles else {
            throw HarnessError(.guest, "tar manifest lists \(entries) files, expected \(expectedTarFiles)")
        }
        let result: HostCommand.Result
        do {
            result = try HostCommand("sh", ["-c", "cd \"$1\" && sha256sum --quiet -c \"$2\"", "sh", dir + "/tarx/tree", manifest])
                .run(timeout: 300)
        } catch { throw HarnessError(.guest, "host sha256sum -c", cause: error) }
        guard result.succeeded else {
            throw HarnessError(.guest, "host verification of the extracted tree failed: \(result.output.prefix(1500))")
        }
        return "host verified 1 MiB file and \(entries) extracted files by sha256"
    }
}
