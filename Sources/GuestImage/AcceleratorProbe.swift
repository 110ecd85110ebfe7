import Foundation
import Glibc

/// Which accelerator guests get here, and why. KVM only when it demonstrably boots a kernel:
/// on nested, paravirtual KVM hosts /dev/kvm opens fine but a stock kernel hangs at boot.
public struct Accelerator: Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable { case kvm, tcg }
    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(kind.rawValue) (\(reason))" }

    /// Probes once per host boot and caches the answer; `STRAIT_ACCEL=kvm|tcg` overrides.
    /// The test boots `kernel` under KVM with no root disk: a working KVM reaches the
    /// "VFS: Unable to mount root fs" panic within seconds; a broken one hangs until the deadline.
    public static func probe(kernel: String? = nil, timeout: Double = 20,
                             cache: String = StraitPaths.cache) -> Accelerator {
        if let forced = ProcessInfo.processInfo.environment["STRAIT_ACCEL"], let kind = Kind(rawValue: forced) {
            return Accelerator(kind, "forced by STRAIT_ACCEL=\(forced)")
        }
        let fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            return Accelerator(.tcg, "/dev/kvm unusable: \(String(cString: strerror(errno)))")
        }
        close(fd)
        guard let kernel = kernel ?? newestHostKernel() else {
            return Accelerator(.tcg, "/dev/kvm present but no kernel to test it with (install linux-image-amd64)")
        }
        let bootID = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
        let cacheFile = "\(cache)/accel-\(bootID).json"
        if let data = FileManager.default.contents(atPath: cacheFile),
           let cached = try? JSONDecoder().decode(Accelerator.self, from: data) {
            return Accelerator(cached.kind, cached.reason + "; probed earlier this boot")
        }
        let result = runProbe(kernel: kernel, timeout: timeout)
        try? StraitPaths.ensure(cache)
        if let data = try? JSONEncoder().encode(result) {
            _ = FileManager.default.createFile(atPath: cacheFile, contents: data)
        }
        return result
    }

    static func runProbe(kernel: String, timeout: Double) -> Accelerator {
        let log = NSTemporaryDirectory() + "strait-kvm-probe-\(getpid()).log"
        defer { unlink(log) }
        let started = Date()
        let command = HostCommand("qemu-system-x86_64", [
            "-accel", "kvm", "-cpu", "host", "-m", "256", "-smp", "1", "-nodefaults", "-display", "none",
            "-no-reboot", "-serial", "file:\(log)", "-kernel", kernel,
            "-append", "console=ttyS0 panic=-1 root=/dev/nonexistent",
        ])
        guard let result = try? command.run(timeout: timeout) else {
            return Accelerator(.tcg, "could not run qemu-system-x86_64 for the KVM probe")
        }
        let console = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        if console.contains("Kernel panic") || console.contains("Unable to mount root") {
            return Accelerator(.kvm, "KVM test guest booted to its root-mount panic in \(seconds) s")
        }
        if result.timedOut {
            return Accelerator(.tcg, "/dev/kvm present but a test kernel hung for \(Int(timeout)) s under KVM (nested KVM); using TCG")
        }
        let why = result.output.split(separator: "\n").first.map(String.init) ?? "exit \(result.status)"
        return Accelerator(.tcg, "KVM test guest failed: \(why)")
    }

    /// The newest /boot/vmlinuz-*, which is also what libguestfs's appliance boots.
    public static func newestHostKernel() -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/boot")) ?? []
        return names.filter { $0.hasPrefix("vmlinuz-") }.sorted().last.map { "/boot/" + $0 }
    }
}
