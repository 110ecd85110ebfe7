import Logging
import Passthrough
import VirtioFS

/// Everything straitd needs to run, resolved from either command-line style.
public struct DaemonConfiguration: Sendable {
    /// Socket, processing mode and request queues for `VirtioFSServer`.
    public var server: ServerConfiguration
    /// The shared directory and its semantics for `PassthroughFS` (root is the host path;
    /// straitd rewrites it to "/" after it pivots into the directory).
    public var passthrough: PassthroughConfig
    public var sandbox: SandboxMode
    /// Seccomp action for a system call outside straitd's list (default kill).
    public var seccomp: SeccompMode
    /// Capabilities kept while serving: `Capability.serving` (+ DAC_READ_SEARCH with file
    /// handles), changed by `--modcaps`. The bounding set is emptied.
    public var capabilities: Set<Int>
    public var rlimit: RlimitPolicy
    public var logLevel: LogLevel
    public var syslog: Bool
    /// Group to own the socket created at `--socket-path` (`--socket-group`).
    public var socketGroup: String?
    /// Whether the guest gets remote POSIX (OFD) locks and flock (`-o posix_lock|flock`). The C
    /// daemon defaults both off, the Rust one has neither; straitd implements both and offers them
    /// unless told `no_posix_lock` / `no_flock`.
    public var posixLocks: Bool
    public var flock: Bool
    /// Options accepted for compatibility that change nothing in straitd (logged at debug level).
    public var ignoredOptions: [String]

    /// Pool size when neither `--thread-pool-size` nor a mode says otherwise.
    public static let defaultPoolThreads = 4
    /// Pending requests a queue handles inline before handing work to the pool.
    public static let defaultInlineThreshold = 3
    /// Queue threads' polling before they sleep when `--poll` is not given.
    public static let defaultPoll = PollMode.off
}

/// What to do about RLIMIT_NOFILE at startup.
public enum RlimitPolicy: Sendable, Equatable {
    /// Raise the soft limit to min(1,000,000, fs.nr_open), capped by the hard limit when we may not
    /// raise it (both reference daemons' default).
    case automatic
    /// `--rlimit-nofile=0`: leave it as inherited.
    case unchanged
    /// `--rlimit-nofile=N`: set soft and hard limit to N.
    case exactly(UInt64)
}

extension Settings {
    /// Applies defaults and the rules between options.
    func resolve() throws(OptionsError) -> DaemonConfiguration {
        guard let root = sharedDir.value else {
            throw OptionsError(.missingRequired, "no shared directory: give --shared-dir=DIR or -o source=DIR")
        }
        let socket: ServerConfiguration.Socket
        switch (socketPath.value, fd.value) {
        case (.some, .some):
            throw OptionsError(.conflict, "'\(fd.origin ?? "--fd")' conflicts with '\(socketPath.origin ?? "--socket-path")'")
        case (.some(let path), nil): socket = .path(path)
        case (nil, .some(let number)): socket = .inheritedFD(number)
        case (nil, nil):
            throw OptionsError(.missingRequired, "no vhost-user socket: give --socket-path=PATH or --fd=N")
        }
        if socketGroup.value != nil, fd.value != nil {
            throw OptionsError(.conflict, "'\(socketGroup.origin ?? "--socket-group")' needs --socket-path, not an inherited --fd")
        }

        var server = ServerConfiguration(socket: socket, mode: try processingMode())
        if let queues = requestQueues.value { server.requestQueues = queues }
        server.poll = poll.value ?? DaemonConfiguration.defaultPoll
        server.tag = tag.value
        if let window = daxWindow.value {
            // The window comes with QEMU's generic vhost-user device, which reads the tag from the
            // config space; a read-only share hands the VMM no writable descriptor to map.
            guard tag.value != nil else {
                throw OptionsError(.conflict, "'\(daxWindow.origin ?? "--dax-window")' needs --tag (the generic device reads its tag from the config space)")
            }
            guard readonly.value != true else {
                throw OptionsError(.conflict, "'\(daxWindow.origin ?? "--dax-window")' conflicts with --readonly (the VMM maps files writable)")
            }
            server.daxWindow = window
        }

        let cacheMode = cache.value ?? .auto
        var xattrMapValue: XattrMap?
        if let rules = xattrMap.value {
            do throws(FSError) {
                xattrMapValue = try XattrMap(parsing: rules)
            } catch {
                throw OptionsError(.invalidValue, "invalid xattrmap '\(rules)': \(error.message)")
            }
        }
        let acl = posixACL.value ?? false
        let label = securityLabel.value ?? false
        // posix_acl, xattrmap and security_label all need xattrs (both daemons imply it), unless
        // xattrs were switched off explicitly, which contradicts them.
        let needsXattr = acl || xattrMapValue != nil || label
        if needsXattr, xattr.value == false {
            throw OptionsError(.conflict, "xattrs are switched off but posix_acl, xattrmap or security_label needs them")
        }
        let passthrough = PassthroughConfig(
            root: root, cache: cacheMode, timeout: timeout.value,
            writeback: writeback.value ?? false,
            xattr: xattr.value ?? needsXattr,
            posixACL: acl,
            // On by default with a DAX window: without FUSE_HANDLE_KILLPRIV_V2 the guest's
            // superblock lacks SB_NOSEC, so every write(2) through the window first asks for
            // security.capability (one GETXATTR round trip per write, docs/dax.md).
            killprivV2: killprivV2.value ?? (daxWindow.value != nil),
            announceSubmounts: announceSubmounts.value ?? false,
            // The C daemon's default: readdirplus except with cache=none, where the entries would
            // be stale at once.
            readdirplus: readdirplus.value ?? (cacheMode != .none),
            allowDirectIO: allowDirectIO.value ?? false,
            inodeFileHandles: inodeFileHandles.value ?? .never,
            xattrMap: xattrMapValue)
        var passthroughConfig = passthrough
        passthroughConfig.readonly = readonly.value ?? false
        var keep = Capability.serving
        if passthroughConfig.inodeFileHandles != .never { keep.insert(Capability.dacReadSearch) }
        let capabilities = CapabilityChange.apply(capabilityChanges, to: keep)

        var ignoredOptions = ignored
        if label {
            // Accepted for its xattr implication; FUSE_SECURITY_CTX on create is not applied.
            ignoredOptions.append("security_label (security contexts on create)")
        }
        let rlimit: RlimitPolicy = switch rlimitNofile.value {
        case nil: .automatic
        case 0: .unchanged
        case let limit?: .exactly(limit)
        }
        return DaemonConfiguration(
            server: server, passthrough: passthroughConfig, sandbox: sandbox.value ?? .namespace,
            seccomp: seccomp.value ?? .kill, capabilities: capabilities,
            rlimit: rlimit, logLevel: logLevel.value ?? .level(.info), syslog: syslog,
            socketGroup: socketGroup.value, posixLocks: posixLock.value ?? true,
            flock: flock.value ?? true, ignoredOptions: ignoredOptions)
    }

    /// `--thread-pool-size` and `--processing` together: 0 threads is inline, N threads is the
    /// auto-switch (inline up to `--inline-threshold` pending requests, the pool above) unless
    /// `--processing` pins a mode. Nothing given: the auto-switch with a pool of
    /// `defaultPoolThreads`.
    func processingMode() throws(OptionsError) -> ProcessingMode {
        let threshold = inlineThreshold.value ?? DaemonConfiguration.defaultInlineThreshold
        let threads = threadPoolSize.value
        let sizeOption = threadPoolSize.origin ?? "--thread-pool-size"
        switch processing.value {
        case nil:
            guard let threads else { return .auto(threads: DaemonConfiguration.defaultPoolThreads, threshold: threshold) }
            return threads == 0 ? .inline : .auto(threads: threads, threshold: threshold)
        case .inline:
            if let threads, threads > 0 {
                throw OptionsError(.conflict, "'\(processing.origin ?? "--processing")' conflicts with '\(sizeOption)'")
            }
            return .inline
        case .pool, .auto:
            if threads == 0 {
                throw OptionsError(.conflict, "'\(processing.origin ?? "--processing")' needs threads, but '\(sizeOption)' gives none")
            }
            let count = threads ?? DaemonConfiguration.defaultPoolThreads
            return processing.value == .pool ? .pool(threads: count) : .auto(threads: count, threshold: threshold)
        }
    }
}
