import Passthrough
import Posix
import VirtioFS

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
        "inline-threshold": .value, "request-queues": .value, "processing": .value, "poll": .value, "dax-window": .value,
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
        case "readonly": readonly.set(true)
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
            try rlimitNofile.set(Self.parsed(UInt64(value), value, for: "--rlimit-nofile", expects: "a count, 0 leaves it unchanged"), from: option)
        case "cache":
            try cache.set(Self.parsed(CacheMode(parsing: value), value, for: "--cache", expects: "auto, always, never, metadata"), from: option)
        case "sandbox":
            try sandbox.set(Self.parsed(SandboxMode(rawValue: value), value, for: "--sandbox", expects: "namespace, chroot, none"), from: option)
        case "xattrmap":
            guard !value.isEmpty else { throw OptionsError(.invalidValue, "'\(option)': empty xattr map") }
            try xattrMap.set(value, from: option)
        case "inode-file-handles":
            // "fallback" is the Rust daemon's deprecated alias for "prefer".
            let choice: InodeFileHandles? = value == "fallback" ? .prefer : InodeFileHandles(rawValue: value)
            try inodeFileHandles.set(Self.parsed(choice, value, for: "--inode-file-handles", expects: "never, prefer, mandatory"), from: option)
        case "log-level":
            try logLevel.set(Self.parsed(LogLevel(parsing: value), value, for: "--log-level", expects: "error, warn, info, debug, trace, off"), from: option)
        case "processing":
            try processing.set(Self.parsed(ProcessingChoice(rawValue: value), value, for: "--processing", expects: "inline, pool, auto"), from: option)
        case "poll":
            try poll.set(Self.parsed(PollMode(rawValue: value), value, for: "--poll", expects: "off, on, adaptive"), from: option)
        case "seccomp":
            try seccomp.set(Self.parsed(SeccompMode(rawValue: value), value, for: "--seccomp", expects: "none, kill, log, trap"), from: option)
        case "modcaps":
            capabilityChanges += try CapabilityChange.parseList(value, option: "--modcaps")
        case "tag": try tag.set(try Self.tag(value, option: option), from: option)
        case "dax-window": try daxWindow.set(try Self.windowSize(value, option: option), from: option)
        case "migration-mode", "migration-on-error":
            ignored.append(option)  // no migration
        case "uid-map", "gid-map", "translate-uid", "translate-gid":
            throw OptionsError(.unsupported, "'--\(name)' is not supported by straitd")
        default:
            if Self.longOptions[name] == .flag {
                throw OptionsError(.invalidValue, "'--\(name)' takes no value")
            }
            throw OptionsError(.unknownOption, "unknown option '--\(name)'")
        }
    }

    /// The virtio-fs config tag: 1 to 36 bytes, no NUL (virtio 1.2 §5.11.4).
    static func tag(_ text: String, option: String) throws(OptionsError) -> String {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 36, !bytes.contains(0) else {
            throw OptionsError(.invalidValue, "invalid value '\(text)' for '\(option.split(separator: "=").first ?? "")' (1 to 36 bytes)")
        }
        return text
    }

    /// A DAX window size: bytes with an optional K, M or G suffix (binary), a multiple of 2 MiB
    /// (the guest's mapping unit), at most 64 GiB.
    static func windowSize(_ text: String, option: String) throws(OptionsError) -> UInt64 {
        let name = String(option.split(separator: "=").first ?? "")
        let expects = "a size such as 1G or 512M: a multiple of 2M, at most 64G"
        return try parsed(DaxWindowSize.bytes(text), text, for: name, expects: expects)
    }

    /// A decimal integer within `range`.
    /// `result` when `text` parsed, else the one-line "invalid value" error naming the option
    /// and what it accepts.
    static func parsed<T>(_ result: T?, _ text: String, for name: String, expects: String) throws(OptionsError) -> T {
        guard let result else { throw OptionsError(.invalidValue, "invalid value '\(text)' for '\(name)' (\(expects))") }
        return result
    }

    static func integer(_ text: String, option: String, in range: ClosedRange<Int>) throws(OptionsError) -> Int {
        try parsed(Int(text).flatMap { range.contains($0) ? $0 : nil }, text,
                   for: String(option.split(separator: "=").first ?? ""), expects: "\(range.lowerBound)...\(range.upperBound)")
    }
}

extension Int {
    /// Narrowing after a range check that already guarantees the fit.
    var int32: Int32 { Int32(clamping: self) }
}
