import Glibc
import Logging
import Posix

extension Sandbox {
    /// A crash of the sandboxed daemon must not write its memory where the guest reads it. Inside
    /// the sandbox the shared directory is "/" and the working directory, so a relative
    /// kernel.core_pattern (`core`, the kernel's default) puts the core file in the share, and an
    /// absolute one resolves in the sandbox's mount namespace: in the share too. Only a pipe
    /// (`|/usr/lib/systemd/systemd-coredump ...`) runs outside it. With any other pattern, core
    /// dumps are turned off (RLIMIT_CORE 0, inherited by the namespace child) before the sandbox
    /// is entered; a pipe keeps them for debugging. Returns the pattern that turned them off.
    @discardableResult
    static func keepCoresOutOfTheShare(logger: Logger) -> String? {
        let pattern = corePattern()
        if let pattern, pattern.hasPrefix("|") { return nil }
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        let shown = pattern ?? "unreadable"
        logger.notice("core dumps off: kernel.core_pattern '\(shown)' would write a crashed straitd's memory into the shared directory, which the guest reads (a pipe pattern such as systemd-coredump keeps them)")
        return shown
    }

    /// /proc/sys/kernel/core_pattern without its newline; nil when it cannot be read.
    static func corePattern() -> String? {
        guard var bytes = readWholeFile("/proc/sys/kernel/core_pattern"), !bytes.isEmpty else { return nil }
        while bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
