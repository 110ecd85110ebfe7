import DaemonOptions
import Glibc
import Logging

/// RLIMIT_NOFILE: every inode the guest looks up costs a descriptor, so both reference daemons
/// raise it at startup. Done before the sandbox, while /proc/sys is still reachable.
enum ResourceLimits {
    /// The default target of both reference daemons, below the kernel's fs.nr_open.
    static let preferredLimit: UInt64 = 1_000_000

    static func apply(_ policy: RlimitPolicy, logger: Logger) throws(StartupError) {
        switch policy {
        case .unchanged:
            return
        case .exactly(let limit):
            var wanted = rlimit(rlim_cur: rlim_t(limit), rlim_max: rlim_t(limit))
            guard setrlimit(RLIMIT_NOFILE_VALUE, &wanted) == 0 else {
                throw .system("setting RLIMIT_NOFILE to \(limit)")
            }
            logger.debug("RLIMIT_NOFILE set", metadata: ["limit": "\(limit)"])
        case .automatic:
            try raiseAutomatically(logger: logger)
        }
    }

    /// min(1,000,000, fs.nr_open); when the hard limit is lower and we may not raise it, the hard limit.
    private static func raiseAutomatically(logger: Logger) throws(StartupError) {
        var current = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &current) == 0 else { throw .system("getrlimit(RLIMIT_NOFILE)") }
        let target = min(preferredLimit, kernelMaximum() ?? preferredLimit)
        guard UInt64(current.rlim_cur) < target else { return }
        var wanted = rlimit(rlim_cur: rlim_t(target), rlim_max: max(current.rlim_max, rlim_t(target)))
        if setrlimit(RLIMIT_NOFILE_VALUE, &wanted) == 0 {
            logger.debug("RLIMIT_NOFILE raised", metadata: ["limit": "\(target)"])
            return
        }
        // Not privileged to raise the hard limit: go as far as it allows.
        wanted = rlimit(rlim_cur: current.rlim_max, rlim_max: current.rlim_max)
        guard setrlimit(RLIMIT_NOFILE_VALUE, &wanted) == 0 else { throw .system("raising RLIMIT_NOFILE") }
        logger.warning("RLIMIT_NOFILE capped by the hard limit",
                       metadata: ["wanted": "\(target)", "limit": "\(current.rlim_max)"])
    }

    /// /proc/sys/fs/nr_open, the most a process may have.
    static func kernelMaximum() -> UInt64? {
        let fd = open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[0..<count], as: UTF8.self)
        return UInt64(text.trimmingCharacters(in: " \n"))
    }
}

/// Glibc imports RLIMIT_NOFILE as an enum case on Linux; the raw value is what setrlimit takes.
private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

private extension String {
    /// Drops leading and trailing characters of `set` (no Foundation).
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
