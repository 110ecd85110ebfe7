import DaemonOptions
import Glibc
import Logging
import Passthrough
import VhostUser
import VirtioFS

/// straitd's startup order: limits, socket, sandbox, file system, then serve until the
/// frontend disconnects. The socket is created before the sandbox so its path is the host's.
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
        let cleanup = SocketCleanup(path: server.socketPath)
        try SocketGroup.apply(configuration.socketGroup, path: server.socketPath)
        try SignalThread.start(logger: logger) { cleanup?.remove() }

        let entered = try Sandbox.enter(configuration.sandbox, sharedDir: configuration.passthrough.root, logger: logger)
        var fsConfig = configuration.passthrough
        fsConfig.root = entered.root
        fsConfig.procSelfFD = entered.procSelfFD
        let fs: PassthroughFS
        do throws(FSError) {
            fs = try PassthroughFS(config: fsConfig, logger: logger)
        } catch {
            throw StartupError("shared directory: \(error)")
        }
        if let proc = entered.procSelfFD { close(proc) }  // PassthroughFS holds its own dup.

        let handler = makeRequestHandler(fs: fs, server: server, configuration: configuration, logger: logger)
        do throws(VhostUserError) {
            try server.run(handler: handler)
        } catch where error.code == .disconnected {
            // The frontend went away: the normal end of a virtiofsd.
        } catch {
            cleanup?.remove()
            throw StartupError("serving the frontend: \(error)")
        }
        logger.info("frontend disconnected, exiting")
        cleanup?.remove()
        // Exit with the server still referenced: its listener would unlink the socket path by
        // name, which after pivot_root names a file inside the shared directory.
        withExtendedLifetime(server) { exit(0) }
    }
}
