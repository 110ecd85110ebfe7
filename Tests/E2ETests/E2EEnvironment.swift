import DaemonLaunch
import Foundation
import GuestImage
import Harness
import Libvirt
import Runner

/// What the E2E tests need from the host, and where the repository's files are.
/// Each test is skipped with the first missing prerequisite as its reason; never passed.
enum E2EEnvironment {
    /// Repository root, from this file's path (Tests/E2ETests/E2EEnvironment.swift).
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var recipe: String { repoRoot + "/images/debian-bookworm.yaml" }
    static var script: String { repoRoot + "/scripts/guest/fs-correctness.sh" }

    /// nil when everything a VM test needs is here; otherwise why not.
    static let missing: String? = {
        if getuid() != 0 { return "E2E needs root (libvirt qemu:///system, mmdebstrap --mode=root)" }
        for tool in ["mmdebstrap", "qemu-system-x86_64", "qemu-img", "ssh", "ssh-keygen", "sha256sum"]
        where HostCommand.which(tool) == nil {
            return "\(tool) not installed (run scripts/host-setup.sh)"
        }
        if (try? Connection()) == nil {
            return "libvirtd not reachable at \(Connection.defaultURI) (scripts/host-setup.sh starts it)"
        }
        return nil
    }()

    static let missingCVirtiofsd: String? = {
        if let missing { return missing }
        if !FileManager.default.isExecutableFile(atPath: DaemonKind.cVirtiofsdPath) {
            return "C virtiofsd not installed at \(DaemonKind.cVirtiofsdPath) (scripts/install-peers.sh)"
        }
        return nil
    }()

    /// The straitd under test: STRAIT_E2E_STRAITD if set, else the newer of this package's
    /// release and debug builds (`swift test` builds the debug one).
    static let straitd: String? = {
        if let path = ProcessInfo.processInfo.environment["STRAIT_E2E_STRAITD"], !path.isEmpty { return path }
        let candidates = ["release", "debug"].map { repoRoot + "/.build/\($0)/straitd" }
            .filter { FileManager.default.isExecutableFile(atPath: $0) }
        func modified(_ path: String) -> Date {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
        }
        return candidates.max { modified($0) < modified($1) }
    }()

    static let missingStraitd: String? = {
        if let missing { return missing }
        guard let straitd else { return "no straitd built under .build/ and STRAIT_E2E_STRAITD not set" }
        if !FileManager.default.isExecutableFile(atPath: straitd) { return "\(straitd) is not executable" }
        return nil
    }()

    /// Why a straitd test on QEMU 11.1 (DAX windows, request queues) cannot run here, or nil:
    /// no straitd, no QEMU 11.1 root (scripts/install-qemu-dax.sh), or libvirt refusing it.
    static let missingQEMU11: String? = missingStraitd ?? {
        guard let qemu = DaxQEMU.locate() else { return "no QEMU 11.1 at \(DaxQEMU.defaultRoot) (scripts/install-qemu-dax.sh)" }
        return qemu.libvirtRefusal(uri: Connection.defaultURI)
    }()

    static func log(_ line: String) {
        print(line)
        fflush(nil)
    }

    /// Builds or reuses the image and probes the accelerator (both print what they decided).
    static func prepare() throws -> (BuiltImage, Accelerator) {
        let t0 = Date()
        let image = try ImageStore(log: { log($0) }).image(for: try Recipe.load(path: recipe))
        log("e2e: image ready in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s (\(image.directory))")
        let accel = Accelerator.probe(kernel: image.kernel)
        log("e2e: accelerator: \(accel)")
        return (image, accel)
    }
}
