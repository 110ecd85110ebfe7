import Foundation
import GuestImage
import Libvirt
import Results

extension RunEnvironment {
    /// The environment a run records: accelerator with its reason, QEMU and libvirt versions,
    /// the guest kernel and image hash, the host, and the straitd commit of the variant.
    /// `vmm` is the QEMU the run's VMs use when it is not libvirt's default (the DAX QEMU): a
    /// DAX run's header said libvirt's QEMU 7.2 while every VM ran 11.1, and `strait merge`
    /// compared that.
    static func probe(image: BuiltImage, accelerator: Accelerator, connection: Connection,
                      straitdSHA: String?, vmm: String? = nil) -> RunEnvironment {
        let versions = try? connection.versions()
        return RunEnvironment(
            straitdSHA: straitdSHA, imageHash: image.hash, guestKernel: image.kernelVersion,
            qemuVersion: vmm ?? versions?.hypervisor, libvirtVersion: versions?.libvirt,
            accelerator: accelerator.kind.rawValue, acceleratorReason: accelerator.reason, host: .current())
    }
}

/// The commit a binary was built from: the git work tree it lives in (a SwiftPM build directory
/// inside a checkout), with `-dirty` when tracked files differ from that commit.
public enum GitInfo {
    public static func sha(forBinary path: String) -> String? {
        var dir = URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.path + "/.git") { return sha(repo: dir.path) }
            if FileManager.default.fileExists(atPath: dir.path + "/.strait-commit"),
               let text = FileManager.default.contents(atPath: dir.path + "/.strait-commit") {
                return String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    public static func sha(repo: String) -> String? {
        guard let head = try? HostCommand("git", ["-C", repo, "rev-parse", "--short=12", "HEAD"]).check(timeout: 30)
            .trimmingCharacters(in: .whitespacesAndNewlines), !head.isEmpty else { return nil }
        let status = (try? HostCommand("git", ["-C", repo, "status", "--porcelain", "--untracked-files=no"]).check(timeout: 30)) ?? ""
        return status.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? head : head + "-dirty"
    }
}
