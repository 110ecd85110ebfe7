import Logging
import VhostUser

/// Where the server listens and how it processes requests.
public struct ServerConfiguration: Sendable, Equatable {
    public enum Socket: Sendable, Equatable {
        /// Create and listen at this path (`--socket-path`).
        case path(String)
        /// An inherited, already listening socket (`--fd=N`, libvirt's way).
        case inheritedFD(Int32)
    }

    public var socket: Socket
    public var mode: ProcessingMode
    /// Request queues offered besides hiprio.
    public var requestQueues: Int
    /// What a queue thread does before it sleeps (`--poll`).
    public var poll: PollMode
    /// Size of the DAX window (`--dax-window`): offered as shared-memory region 0 (SHMEM).
    public var daxWindow: UInt64?
    /// The tag a generic vhost-user device reads from the config space (`--tag`; CONFIG).
    public var tag: String?

    public init(socket: Socket, mode: ProcessingMode = .auto(threads: 4, threshold: 3), requestQueues: Int = 16,
                poll: PollMode = .off, daxWindow: UInt64? = nil, tag: String? = nil) {
        self.socket = socket
        self.mode = mode
        self.requestQueues = requestQueues
        self.poll = poll
        self.daxWindow = daxWindow
        self.tag = tag
    }

    /// num_request_queues in the config space: one, as the Rust virtiofsd says with `--tag`
    /// (the generic device has as many queues as its `num_vqs`; the guest must not ask for more).
    public static let configRequestQueues: UInt32 = 1
}

/// straitd's main loop: listen, accept the frontend, serve it until it goes away. Like virtiofsd,
/// one connection per process: when the frontend disconnects, `run` returns and the daemon exits.
public final class VirtioFSServer: Sendable {
    static var configRequestQueues: UInt32 { ServerConfiguration.configRequestQueues }
    public let configuration: ServerConfiguration
    public let backendRequests: BackendRequests
    private let listener: Listener
    private let logger: Logger
    /// Measured here, before the sandbox (it needs a thread and /proc).
    private let pollHost: PollHost

    /// Creates the listening socket now, so a caller (libvirt, a test) can connect as soon as this returns.
    public init(configuration: ServerConfiguration, logger: Logger) throws(VhostUserError) {
        self.configuration = configuration
        self.logger = logger
        pollHost = PollHost(mode: configuration.poll)
        backendRequests = BackendRequests(windowSize: configuration.daxWindow)
        switch configuration.socket {
        case .path(let path): listener = try Listener(path: path)
        case .inheritedFD(let fd): listener = try Listener(inheritedFD: fd)
        }
    }

    /// The socket path, if we created it (not for an inherited fd).
    public var socketPath: String? { listener.path }

    /// Removes the socket we created; safe after pivot_root/chroot and on a signal thread.
    public func removeSocket() { listener.socketFile?.remove() }
    /// The socket file this server created (nil for an inherited descriptor).
    public var socketFile: SocketFile? { listener.socketFile }

    /// Serves one frontend with `handler` answering its requests; returns when it disconnects.
    public func run(handler: RequestHandler) throws(VhostUserError) {
        logger.info("waiting for the frontend", metadata: ["socket": "\(listener.path ?? "inherited fd")"])
        let channel = try listener.accept()
        var metadata: Logger.Metadata = ["mode": "\(configuration.mode)", "poll": "\(configuration.poll)"]
        if configuration.poll == .adaptive { metadata["wakeup-us"] = "\(pollHost.wakeupNanoseconds / 1000)" }
        logger.info("frontend connected", metadata: metadata)
        let requests = backendRequests
        let device = VirtioFSDevice(handler: handler, mode: configuration.mode,
                                    requestQueues: configuration.requestQueues, logger: logger, poll: pollHost,
                                    onBackendChannel: { requests.attach($0) },
                                    onReset: { handler.transportReset() },
                                    configSpace: configuration.tag.flatMap {
                                        VirtioFSConfigSpace.encode(tag: $0, requestQueues: Self.configRequestQueues)
                                    },
                                    sharedMemoryRegions: configuration.daxWindow.map { [$0] } ?? [])
        // The backend-request channel and the window's maps belong to this connection.
        defer {
            requests.attach(nil)
            handler.transportReset()
        }
        try Backend(channel: channel, device: device, logger: logger).run()
    }
}
