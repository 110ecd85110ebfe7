import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension HostFingerprint {
    /// This machine, read from /proc and uname: what numbers from it depend on.
    public static func current() -> HostFingerprint {
        HostFingerprint(
            hostname: ProcessInfo.processInfo.hostName,
            cpuModel: cpuModel() ?? "unknown",
            cpus: max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1),
            memoryBytes: ProcessInfo.processInfo.physicalMemory,
            kernel: kernelRelease())
    }

    /// `model name` from /proc/cpuinfo (x86), else `Hardware`/`CPU part` lines on other machines.
    static func cpuModel(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> String? {
        guard let cpuinfo else { return nil }
        for key in ["model name", "Hardware", "cpu model", "CPU part"] {
            for line in cpuinfo.split(separator: "\n") where line.hasPrefix(key) {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { return value }
            }
        }
        return nil
    }

    static func kernelRelease() -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &name.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
