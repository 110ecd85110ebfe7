import Foundation
import GuestImage
import Harness
import Libvirt

/// What every VM of a run shares: the image, the accelerator (probed, with its reason), the
/// libvirt connection and the harness SSH key.
struct RunContext: @unchecked Sendable {
    let image: BuiltImage
    let accelerator: Accelerator
    let connection: Connection
    let key: SSHKey
    let qemu: String

    static func prepare(options: RunOptions) throws(RunnerError) -> RunContext {
        let t0 = Date()
        do {
            let image = try ImageStore(log: options.log).image(for: try Recipe.load(path: options.recipe))
            options.log(String(format: "strait: image ready in %.1f s (%@)", Date().timeIntervalSince(t0), image.directory))
            let accelerator = Accelerator.probe(kernel: image.kernel)
            options.log("strait: accelerator: \(accelerator)")
            let connection = try Connection(uri: options.uri)
            let qemu = (try? connection.versions().hypervisor) ?? "unknown"
            return RunContext(image: image, accelerator: accelerator, connection: connection,
                              key: try SSHKey.harnessKey(), qemu: qemu)
        } catch {
            throw RunnerError(.prerequisite, "\(error)")
        }
    }

    /// sshfs cells need sshfs in the guest and an sshd on the host the guest can log in to; the
    /// harness does not provision either, so they are skipped with what is missing.
    var sshfsMissing: String {
        var missing: [String] = []
        if image.packages["sshfs"] == nil { missing.append("the guest image has no sshfs package") }
        if !Self.hostSSHDListening { missing.append("no sshd listens on the host's port 22") }
        missing.append("no guest key is authorized on the host")
        return "sshfs is optional and not set up: " + missing.joined(separator: "; ")
    }

    static var hostSSHDListening: Bool {
        (try? HostCommand("sh", ["-c", "ss -ltnH 'sport = :22' | grep -q LISTEN"]).run(timeout: 10).succeeded) ?? false
    }
}
