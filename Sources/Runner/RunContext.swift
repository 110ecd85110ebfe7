import Foundation
import GuestImage
import Harness
import Libvirt
import Matrix

/// What every VM of a run shares: the image, the accelerator (probed, with its reason), the
/// libvirt connection and the harness SSH key.
struct RunContext: Sendable {
    let image: BuiltImage
    let accelerator: Accelerator
    let connection: Connection
    let key: SSHKey
    let qemu: String
    /// The DAX-capable QEMU, when installed.
    let daxQEMU: DaxQEMU?
    /// Why DAX cells cannot run although that QEMU is installed (libvirt refuses it), or nil.
    let daxRefusal: String?
    /// The run's VMM: the DAX QEMU when the matrix has a cell that maps through a window (every VM
    /// of the run then uses it, so DAX and no-DAX cells share a VMM), else libvirt's default.
    let vmm: (path: String?, version: String)

    static func prepare(options: RunOptions, daxVMM: Bool) throws(RunnerError) -> RunContext {
        let t0 = Date()
        do {
            let image = try ImageStore(log: options.log).image(for: try Recipe.load(path: options.recipe))
            options.log(String(format: "strait: image ready in %.1f s (%@)", Date().timeIntervalSince(t0), image.directory))
            let accelerator = Accelerator.probe(kernel: image.kernel)
            options.log("strait: accelerator: \(accelerator)")
            let connection = try Connection(uri: options.uri)
            let qemu = (try? connection.versions().hypervisor) ?? "unknown"
            // The DAX QEMU (and libvirt's probe of it) only for a matrix that has a DAX cell.
            let dax = daxVMM ? DaxQEMU.locate() : nil
            let refusal = dax?.libvirtRefusal(uri: options.uri)
            if let refusal { options.log("strait: DAX cells will be skipped: \(refusal)") }
            let usable = refusal == nil ? dax : nil
            return RunContext(image: image, accelerator: accelerator, connection: connection,
                              key: try SSHKey.harnessKey(), qemu: qemu, daxQEMU: usable, daxRefusal: refusal,
                              vmm: usable.map { ($0.path, $0.version) } ?? (nil, "QEMU \(qemu)"))
        } catch {
            throw RunnerError(.prerequisite, "setup", cause: error)
        }
    }

    /// sshfs cells need the sshfs package in the guest image and OpenSSH's sshd and ssh-keygen on
    /// the host (the runner starts its own sshd per VM); nil when both are there.
    var sshfsMissing: String? {
        var missing: [String] = []
        if image.packages["sshfs"] == nil { missing.append("the guest image has no sshfs package (its recipe lacks it)") }
        if let host = HostSSHD.hostMissing { missing.append(host) }
        return missing.isEmpty ? nil : "sshfs is not set up: " + missing.joined(separator: "; ")
    }
}
