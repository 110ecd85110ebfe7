import Logging
import Passthrough
import VirtioFS

/// Everything the command line said, before defaults and cross-option rules are applied.
struct Settings {
    var sharedDir = Setting<String>()
    var socketPath = Setting<String>()
    var fd = Setting<Int32>()
    var socketGroup = Setting<String>()
    var cache = Setting<CacheMode>()
    var sandbox = Setting<SandboxMode>()
    var timeout = Setting<Double>()
    var xattrMap = Setting<String>()
    var threadPoolSize = Setting<Int>()
    var inlineThreshold = Setting<Int>()
    var requestQueues = Setting<Int>()
    var processing = Setting<ProcessingChoice>()
    var poll = Setting<PollMode>()
    var inodeFileHandles = Setting<InodeFileHandles>()
    var rlimitNofile = Setting<UInt64>()
    var logLevel = Setting<LogLevel>()
    var seccomp = Setting<SeccompMode>()
    /// `--dax-window=SIZE` / `-o dax_window=SIZE`: the DAX window offered through SHMEM.
    var daxWindow = Setting<UInt64>()
    /// `--tag=TAG` / `-o tag=TAG`: the config-space tag (CONFIG), for the generic device.
    var tag = Setting<String>()
    /// `--modcaps` / `-o modcaps`, in the order given.
    var capabilityChanges: [CapabilityChange] = []
    var readonly = Toggle()

    var xattr = Toggle()
    var posixACL = Toggle()
    var writeback = Toggle()
    var readdirplus = Toggle()
    var killprivV2 = Toggle()
    var announceSubmounts = Toggle()
    var allowDirectIO = Toggle()
    var posixLock = Toggle()
    var flock = Toggle()
    var securityLabel = Toggle()
    var syslog = false

    var printCapabilities = false
    var help = false
    var version = false
    /// Options accepted for compatibility that change nothing here, for a debug-level note.
    var ignored: [String] = []
}

/// How straitd isolates itself before serving the guest.
public enum SandboxMode: String, Sendable, Equatable, CaseIterable {
    /// New mount, network and IPC namespaces, pivot_root into the shared directory (the default of both daemons).
    case namespace
    /// chroot(2) into the shared directory (for containers without namespace rights).
    case chroot
    /// No isolation (the Rust daemon's `none`; for unprivileged runs and tests).
    case none
}

/// What the seccomp filter does with a system call straitd does not make (`--seccomp`).
public enum SeccompMode: String, Sendable, Equatable, CaseIterable {
    /// No filter (debugging only).
    case none
    /// The whole process is killed (the default, as both virtiofsd).
    case kill
    /// Allowed, but the kernel logs it (to find a missing entry).
    case log
    /// SIGSYS: straitd names the call on stderr, then exits.
    case trap
}

/// Request processing as chosen with `--processing` (straitd's own option).
public enum ProcessingChoice: String, Sendable, Equatable, CaseIterable {
    case inline, pool, auto
}

/// How much straitd logs. `off` silences it (the Rust daemon's `off`).
public enum LogLevel: Sendable, Equatable, CustomStringConvertible {
    case off
    case level(Logger.Level)

    /// Both daemons' spellings: C `debug|info|warn|err`, Rust `error|warn|info|debug|trace|off`.
    init?(parsing text: String) {
        switch text.lowercased() {
        case "off": self = .off
        case "trace": self = .level(.trace)
        case "debug": self = .level(.debug)
        case "info": self = .level(.info)
        case "notice": self = .level(.notice)
        case "warn", "warning": self = .level(.warning)
        case "err", "error": self = .level(.error)
        case "critical", "crit": self = .level(.critical)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .off: "off"
        case .level(let level): level.rawValue
        }
    }
}
