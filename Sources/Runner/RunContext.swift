import Foundation
import GuestImage
import Harness
import Libvirt
import Matrix

/// What every VM of a run shares: the images, the accelerator (probed, with its reason), the
/// libvirt connection and the harness SSH key; and the VMMs its cells ask for.
struct RunContext: Sendable {
    /// The run's image (`--recipe`): cells without an `image` axis value boot it.
    let image: BuiltImage
    /// The images cells name on the `image` axis (images/NAME.yaml beside the run's recipe), by name.
    let images: [String: BuiltImage]
    let accelerator: Accelerator
    let connection: Connection
    let key: SSHKey
    let qemu: String
    /// QEMU 11.1 (scripts/install-qemu-dax.sh), when installed and a cell needs it (DAX or `vmm: qemu-11`).
    let daxQEMU: DaxQEMU?
    /// Why cells needing QEMU 11.1 cannot run although it is installed (libvirt refuses it), or nil.
    let daxRefusal: String?
    /// The run's VMM: the DAX QEMU when the matrix has a cell that maps through a window (every VM
    /// of the run then uses it, so DAX and no-DAX cells share a VMM), else libvirt's default.
    let vmm: (path: String?, version: String)

    /// `daxVMM`: the whole matrix (before filter and shard) has a DAX cell; `cells`: this run's.
    static func prepare(options: RunOptions, daxVMM: Bool, cells: [Cell]) throws(RunnerError) -> RunContext {
        let t0 = Date()
        do {
            let store = ImageStore(log: options.log)
            let image = try store.image(for: try Recipe.load(path: options.recipe))
            options.log(String(format: "strait: image ready in %.1f s (%@)", Date().timeIntervalSince(t0), image.directory))
            // Images of the image axis, built on demand like the run's own (a first build takes minutes).
            var images: [String: BuiltImage] = [:]
            for name in Set(cells.compactMap(\.image)).sorted() {
                let t1 = Date()
                let built = try store.image(for: try Recipe.load(path: recipePath(name, beside: options.recipe)))
                options.log(String(format: "strait: image %@ ready in %.1f s (%@, kernel %@)", name,
                                   Date().timeIntervalSince(t1), built.directory, built.kernelVersion))
                images[name] = built
            }
            let accelerator = Accelerator.probe(kernel: image.kernel)
            options.log("strait: accelerator: \(accelerator)")
            let connection = try Connection(uri: options.uri)
            let qemu = (try? connection.versions().hypervisor) ?? "unknown"
            // The QEMU 11.1 root (and libvirt's probe of it) only for a matrix with a DAX cell or a run with a qemu-11 cell.
            let dax = daxVMM || cells.contains(where: \.needsQEMU11) ? DaxQEMU.locate() : nil
            let refusal = dax?.libvirtRefusal(uri: options.uri)
            if let refusal { options.log("strait: DAX and qemu-11 cells will be skipped: \(refusal)") }
            let usable = refusal == nil ? dax : nil
            let runVMM: (String?, String) = daxVMM
                ? usable.map { ($0.path, $0.version) } ?? (nil, "QEMU \(qemu)") : (nil, "QEMU \(qemu)")
            return RunContext(image: image, images: images, accelerator: accelerator, connection: connection,
                              key: try SSHKey.harnessKey(), qemu: qemu, daxQEMU: usable, daxRefusal: refusal, vmm: runVMM)
        } catch {
            throw RunnerError(.prerequisite, "setup", cause: error)
        }
    }

    /// images/NAME.yaml in the directory of the run's recipe.
    static func recipePath(_ name: String, beside recipe: String) -> String {
        let dir = (recipe as NSString).deletingLastPathComponent
        return (dir.isEmpty ? "" : dir + "/") + name + ".yaml"
    }

    /// The image a cell's VM boots.
    func image(for cell: Cell) -> BuiltImage { cell.image.flatMap { images[$0] } ?? image }

    /// The VMM a cell's VM runs on: QEMU 11.1 for `vmm: qemu-11`, else the run's.
    func vmm(for cell: Cell) -> (path: String?, version: String) {
        if cell.vmm == .qemu11, let q = daxQEMU { return (q.path, q.version) }
        return vmm
    }

    /// The run header's image: the one every cell boots, else the run's (each cell records its own).
    func headerImage(_ cells: [Cell]) -> BuiltImage {
        let used = Set(cells.map { image(for: $0).directory })
        return used.count == 1 ? cells.first.map { image(for: $0) } ?? image : image
    }

    /// The run header's QEMU when it is not libvirt's: every VM of the run runs QEMU 11.1.
    func headerVMM(_ cells: [Cell]) -> String? {
        guard let daxQEMU, !cells.isEmpty, cells.allSatisfy({ vmm(for: $0).path == daxQEMU.path }) else { return nil }
        return daxQEMU.packageVersion
    }

    /// Why a `vmm: qemu-11` cell cannot run here, or nil.
    func vmmSkipReason(_ cell: Cell) -> String? {
        guard cell.vmm == .qemu11, daxQEMU == nil else { return nil }
        return daxRefusal ?? "vmm qemu-11 needs QEMU 11.1 in \(DaxQEMU.defaultRoot); run scripts/install-qemu-dax.sh"
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
