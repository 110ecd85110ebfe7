import Foundation
import Posix

/// The DAX-capable QEMU (11.1 from trixie-backports, which speaks vhost-user SHMEM_MAP) that
/// scripts/install-qemu-dax.sh unpacks into a private root with a loader wrapper. A run with DAX
/// cells boots every VM with it, so DAX and no-DAX cells are measured on the same VMM.
public struct DaxQEMU: Sendable, Equatable {
    /// The wrapper libvirt uses as `<emulator>`.
    public let path: String
    /// The Debian package version the installer recorded (e.g. `1:11.1.3+ds-1~bpo13+1`).
    public let version: String

    public static let defaultRoot = "/opt/strait-qemu-11"

    /// The version without the `QEMU ` prefix, as a run's environment records a QEMU version.
    public var packageVersion: String { version.hasPrefix("QEMU ") ? String(version.dropFirst(5)) : version }

    /// The installed one: `STRAIT_QEMU_DAX` (a wrapper path) or the installer's default root.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> DaxQEMU? {
        let path = environment["STRAIT_QEMU_DAX"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultRoot + "/bin/qemu-system-x86_64"
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let root = URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent().path
        let recorded = (try? String(contentsOfFile: root + "/VERSION", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return DaxQEMU(path: path, version: recorded.map { "QEMU \($0)" } ?? "QEMU (DAX) at \(path)")
    }

    /// Why libvirt cannot drive this QEMU, or nil. libvirt probes an `<emulator>` over QMP before
    /// it defines a domain with it; on this nested-KVM host the probe of the loader-wrapped 11.1
    /// binary fails ("failed to get emulator capabilities"), so DAX VMs cannot be provisioned
    /// through libvirt here (issue 10). Checked up front so DAX cells are skipped with that
    /// reason instead of failing at boot.
    public func libvirtRefusal(uri: String) -> String? {
        let argv = ["virsh", "-c", uri, "domcapabilities", "--emulatorbin", path, "--virttype", "qemu"]
        guard let done = try? Subprocess.run(argv, timeout: 120) else { return "cannot run virsh to probe \(path)" }
        if done.succeeded { return nil }
        let said = done.output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }.joined(separator: "; ")
        return "[blocked: issue 10] libvirt cannot use \(version) as an emulator (virsh domcapabilities --emulatorbin: \(said))"
    }
}
