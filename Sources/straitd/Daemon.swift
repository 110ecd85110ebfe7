import DaemonOptions
import Glibc
import Logging
import Passthrough
import VhostUser
import VirtioFS

/// straitd's startup order: limits, socket, sandbox (namespaces: a child serves, the parent
/// waits), signals, file system, confinement (capabilities, no_new_privs, seccomp), then serve
/// until the frontend disconnects. The socket is created before the sandbox so its path is the host's.
enum Daemon {
    static func run(_ configuration: DaemonConfiguration) -> Never {
        LogSetup.bootstrap(level: configuration.logLevel, syslog: configuration.syslog)
        let logger = Logger(label: "straitd")
        for option in configuration.ignoredOptions {
            logger.debug("option accepted for compatibility, no effect in straitd", metadata: ["option": "\(option)"])
        }
        do throws(StartupError) {
            try serve(configuration, logger: logger)
        } catch {
            logger.error("\(error.message)")
            exit(1)
        }
    }

    private static func serve(_ configuration: DaemonConfiguration, logger: Logger) throws(StartupError) -> Never {
        try ResourceLimits.apply(configuration.rlimit, logger: logger)

        let server: VirtioFSServer
        do throws(VhostUserError) {
            server = try VirtioFSServer(configuration: configuration.server, logger: logger)
        } catch {
            throw StartupError("vhost-user socket: \(error)")
        }
        // The listener removes its socket through the directory it opened before the sandbox,
        // never by path (after pivot_root the path would name a file inside the share).
        do throws(StartupError) {
            try SocketGroup.apply(configuration.socketGroup, path: server.socketPath)
            let entered = try Sandbox.enter(configuration.sandbox, sharedDir: configuration.passthrough.root,
                                            readonly: configuration.passthrough.readonly, logger: logger,
                                            parentSocket: server.socketFile.map { ($0.directoryFD, $0.name) },
                                            parentCleanup: { server.removeSocket() })
            try SignalThread.start(logger: logger, asNamespaceInit: entered.isNamespaceInit) { server.removeSocket() }
            let handler = try open(configuration, entered: entered, server: server, logger: logger)
            try Confinement.apply(capabilities: configuration.capabilities, seccomp: configuration.seccomp,
                                  syslog: configuration.syslog, logger: logger)
            try serveFrontend(server, handler: handler, logger: logger)
        } catch {
            server.removeSocket()
            throw error
        }
        logger.info("frontend disconnected, exiting")
        server.removeSocket()
        exit(0)
    }

    /// Opens the shared directory as the sandbox left it.
    private static func open(_ configuration: DaemonConfiguration, entered: Sandbox.Entered,
                             server: VirtioFSServer, logger: Logger) throws(StartupError) -> RequestHandler {
        var fsConfig = configuration.passthrough
        fsConfig.root = entered.root
        fsConfig.procSelfFD = entered.procSelfFD
        defer { if let proc = entered.procSelfFD { close(proc) } }  // PassthroughFS holds its own dup.
        let fs: PassthroughFS
        do throws(FSError) {
            fs = try PassthroughFS(config: fsConfig, logger: logger)
        } catch {
            throw StartupError("shared directory: \(error)")
        }
        return makeRequestHandler(fs: fs, server: server, configuration: configuration, logger: logger)
    }

    /// Serves until the frontend goes away, which is the normal end of a virtiofsd.
    private static func serveFrontend(_ server: VirtioFSServer, handler: RequestHandler, logger: Logger) throws(StartupError) {
        defer {
            if let dax = (handler as? FuseDispatcher)?.daxMappings {
                let s = dax.statistics
                logger.info("DAX window at exit: maps=\(s.maps) unmaps=\(s.unmaps) page_roundings=\(s.pageRoundings) failures=\(s.failures) empty_chunks=\(s.emptyChunks) refusals=\(s.refusals)")
            }
        }
        do throws(VhostUserError) {
            try server.run(handler: handler)
        } catch where error.code == .disconnected {
            return
        } catch {
            throw StartupError("serving the frontend: \(error)")
        }
    }
}
