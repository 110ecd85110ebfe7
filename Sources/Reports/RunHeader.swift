import Foundation
import Matrix
import Results

/// What the Markdown and HTML reports both say above and beside a run's cells: the environment
/// rows of the header, and each cell's machine where the matrix's vmm, image or queues axes
/// moved it off the run's defaults.
extension Reports {
    /// The header's environment rows, in order; nil values read "unknown".
    static func environmentRows(_ env: RunEnvironment) -> [(String, String)] {
        [
            ("straitd", straitdText(env)), ("image", env.imageHash ?? "unknown"), ("guest kernel", env.guestKernel ?? "unknown"),
            ("QEMU", env.qemuVersion ?? "unknown"), ("libvirt", env.libvirtVersion ?? "unknown"),
            ("accelerator", "\(env.accelerator) (\(env.acceleratorReason))"),
            ("step isolation", env.stepIsolation ?? "none recorded (fio laid out inside the step, no host flush)"),
            ("host", "\(env.host.cpuModel), \(env.host.cpus) CPUs, \(env.host.memoryBytes >> 30) GiB, \(env.host.kernel)"),
        ]
    }

    /// The commit and the build the binary reported: "c4e0abcaa902, release build". A debug
    /// build says so loudly: its per-request cost is not release's.
    static func straitdText(_ env: RunEnvironment) -> String {
        let sha = env.straitdSHA ?? "unknown"
        switch env.straitdBuild {
        case "release": return sha + ", release build"
        case "debug": return sha + ", DEBUG build (slower per request than release)"
        case let other?: return sha + ", \(other) build"
        case nil: return sha + ", build not recorded"
        }
    }

    /// Whether any cell of the run left the defaults of the vmm, image or queues axes: only
    /// then do the reports give the cells their machine column.
    static func hasMachineColumn(_ run: RunDocument) -> Bool {
        run.cells.contains { $0.cell.vmm != nil || $0.cell.image != nil || $0.cell.queues != nil }
    }

    /// A cell's non-default machine as recorded: the VMM it ran on, the image it booted, its
    /// request queues and how many carried requests; "-" for a cell on the defaults.
    static func machineText(_ cell: CellResult) -> String {
        var parts: [String] = []
        if let vmm = cell.cell.vmm { parts.append(cell.vmm ?? vmm.rawValue) }
        if let image = cell.cell.image { parts.append(cell.image ?? image) }
        if cell.cell.queues != nil {
            var text = "\(cell.cell.requestQueues) request queues"
            if let used = cell.queues?.used { text += " (\(used) used)" }
            parts.append(text)
        }
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }
}
