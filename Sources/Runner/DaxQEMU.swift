import Foundation

/// The DAX-capable QEMU (11.1 from trixie-backports, which speaks vhost-user SHMEM_MAP) that
/// scripts/install-qemu-dax.sh unpacks into a private root with a loader wrapper. A run with DAX
/// cells boots every VM with it, so DAX and no-DAX cells are measured on the same VMM.
public struct DaxQEMU: Sendable, Equatable {
    /// The wrapper libvirt uses as `<emulator>`.
    public let path: String
    /// The Debian package version the installer recorded (e.g. `1:11.1.3+ds-1~bpo13+1`).
    public let version: String

    public static let defaultRoot = "/opt/strait-qemu-11"

    /// The installed one: `STRAIT_QEMU_DAX` (a wrapper path) or the installer's default root.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> DaxQEMU? {
        let path = environment["STRAIT_QEMU_DAX"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultRoot + "/bin/qemu-system-x86_64"
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let root = URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent().path
        let recorded = (try? String(contentsOfFile: root + "/VERSION", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return DaxQEMU(path: path, version: recorded.map { "QEMU \($0)" } ?? "QEMU (DAX) at \(path)")
    }
}
