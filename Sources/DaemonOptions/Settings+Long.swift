import Passthrough

/// The separate long options of the Rust daemon (what newer libvirt passes once
/// `--print-capabilities` lists "separate-options"), the C daemon's few long options, and straitd's own.
extension Settings {
    /// What a long option is, so the scanner knows whether to consume a value.
    enum LongKind {
        case flag
        case value
    }

    /// Every long option straitd accepts.
    static let longOptions: [String: LongKind] = [
        // Both daemons.
        "help": .flag, "version": .flag, "print-capabilities": .flag, "syslog": .flag,
        "socket-path": .value, "fd": .value, "socket-group": .value, "thread-pool-size": .value,
        "rlimit-nofile": .value, "debug": .flag,
        // C daemon only.
        "daemonize": .flag,
        // Rust daemon.
        "shared-dir": .value, "socket": .value, "tag": .value, "cache": .value, "sandbox": .value,
        "seccomp": .value, "xattr": .flag, "posix-acl": .flag, "xattrmap": .value,
        "readonly": .flag, "announce-submounts": .flag, "no-announce-submounts": .flag,
        "inode-file-handles": .value, "allow-mmap": .flag, "no-readdirplus": .flag, "writeback": .flag,
        "allow-direct-io": .flag, "modcaps": .value, "log-level": .value, "killpriv-v2": .flag,
        "no-killpriv-v2": .flag, "security-label": .flag, "preserve-noatime": .flag,
        "uid-map": .value, "gid-map": .value, "translate-uid": .value, "translate-gid": .value,
        "migration-mode": .value, "migration-on-error": .value, "migration-verify-handles": .flag,
        "migration-confirm-paths": .flag,
        // straitd's own.
        "inline-threshold": .value, "request-queues": .value, "processing": .value,
    ]

    /// Applies one long option (`value` is nil for flags).
    mutating func applyLong(_ name: String, value: String?) throws(OptionsError) {
        let option = value.map { "--\(name)=\($0)" } ?? "--\(name)"
        if let value {
            try applyLongValue(name, value: value, option: option)
        } else {
            try applyLongFlag(name, option: option)
        }
    }

    private mutating func applyLongFlag(_ name: String, option: String) throws(OptionsError) {
        switch name {
        case "help": help = true
        case "version": version = true
        case "print-capabilities": printCapabilities = true
        case "syslog": syslog = true
        case "debug": try logLevel.set(.level(.debug), from: option)
        case "xattr": xattr.set(true)
        case "posix-acl": posixACL.set(true)
        case "announce-submounts": announceSubmounts.set(true)
        case "no-announce-submounts": announceSubmounts.set(false)
        case "no-readdirplus": readdirplus.set(false)
        case "writeback": writeback.set(true)
        case "allow-direct-io": allowDirectIO.set(true)
        case "killpriv-v2": killprivV2.set(true)
        case "no-killpriv-v2": killprivV2.set(false)
        case "security-label": securityLabel.set(true)
        case "allow-mmap", "preserve-noatime", "migration-verify-handles", "migration-confirm-paths":
            // mmap is allowed whenever the cache mode lets the guest map; O_NOATIME is always
            // stripped; straitd does not migrate device state.
            ignored.append(option)
        case "readonly":
            throw OptionsError(.unsupported, "'--readonly' is not supported by straitd")
        case "daemonize":
            throw OptionsError(.unsupported, "'--daemonize' is not supported by straitd (run it under a supervisor)")
        default:
            throw OptionsError(.unknownOption, "unknown option '\(option)'")
        }
    }

    private mutating func applyLongValue(_ name: String, value: String, option: String) throws(OptionsError) {
        switch name {
        case "shared-dir":
            guard !value.isEmpty else { throw OptionsError(.invalidValue, "'\(option)': empty shared directory") }
            try sharedDir.set(Self.directory(value), from: option)
        case "socket-path", "socket":
            guard !value.isEmpty else { throw OptionsError(.invalidValue, "'\(option)': empty socket path") }
            try socketPath.set(value, from: option)
        case "fd":
            try fd.set(try Self.integer(value, option: option, in: 0...Int(Int32.max)).int32, from: option)
        case "socket-group": try socketGroup.set(value, from: option)
        case "thread-pool-size":
            try threadPoolSize.set(try Self.integer(value, option: option, in: 0...1024), from: option)
        case "inline-threshold":
            try inlineThreshold.set(try Self.integer(value, option: option, in: 0...65536), from: option)
        case "request-queues":
            try requestQueues.set(try Self.integer(value, option: option, in: 1...256), from: option)
        case "rlimit-nofile":
            guard let limit = UInt64(value) else {
                throw OptionsError(.invalidValue, "invalid value '\(value)' for '--rlimit-nofile' (a count, 0 leaves it unchanged)")
            }
            try rlimitNofile.set(limit, from: option)
        case "cache":
            guard let mode = CacheMode(parsing: value) else {
                throw OptionsError(.invalidValue, "invalid value '\(value)' for '--cache' (auto, always, never, metadata)")
            }
            try cache.set(mode, from: option)
        case "sandbox":
            guard let mode = SandboxMode(rawValue: value) else {
                throw OptionsError(.invalidValue, "invalid value '\(value)' for '--sandbox' (namespace, chroot, none)")
            }
            try sandbox.set(mode, from: option)
        case "xattrmap":
            guard !value.isEmpty else { throw OptionsError(.invalidValue, "'\(option)': empty xattr map") }
            try xattrMap.set(value, from: option)
        case "inode-file-handles":
            // "fallback" is the Rust daemon's deprecated alias for "prefer".
            let parsed: InodeFileHandles? = value == "fallback" ? .prefer : InodeFileHandles(rawValue: value)
            guard let choice = parsed else {
                throw OptionsError(.invalidValue, "invalid value '\(value)' for '--inode-file-handles' (never, prefer, mandatory)")
            }
            try inodeFileHandles.set(choice, from: option)
        case "log-level":
            guard let level = LogLevel(parsing: value) else {
                throw OptionsError(.invalidValue, "invalid value '\(value)' for '--log-level' (error, warn, info, debug, trace, off)")
            }
            try logLevel.set(level, from: option)
        case "processing":
            guard let choice = ProcessingChoice(rawValue: value) else {
                throw OptionsError(.invalidValue, "invalid value '\(value)' for '--processing' (inline, pool, auto)")
            }
            try processing.set(choice, from: option)
        case "seccomp":
            guard ["none", "kill", "log", "trap"].contains(value) else {
                throw OptionsError(.invalidValue, "invalid value '\(value)' for '--seccomp' (none, kill, log, trap)")
            }
            ignored.append(option)  // straitd installs no seccomp filter (yet).
        case "tag", "modcaps", "migration-mode", "migration-on-error":
            ignored.append(option)  // QEMU ignores the config tag; no capability list; no migration.
        case "uid-map", "gid-map", "translate-uid", "translate-gid":
            throw OptionsError(.unsupported, "'--\(name)' is not supported by straitd")
        default:
            if Self.longOptions[name] == .flag {
                throw OptionsError(.invalidValue, "'--\(name)' takes no value")
            }
            throw OptionsError(.unknownOption, "unknown option '--\(name)'")
        }
    }

    /// A decimal integer within `range`.
    static func integer(_ text: String, option: String, in range: ClosedRange<Int>) throws(OptionsError) -> Int {
        guard let number = Int(text), range.contains(number) else {
            throw OptionsError(.invalidValue, "invalid value '\(text)' for '\(option.split(separator: "=").first ?? "")' (\(range.lowerBound)...\(range.upperBound))")
        }
        return number
    }
}

extension Int {
    /// Narrowing after a range check that already guarantees the fit.
    var int32: Int32 { Int32(clamping: self) }
}
