import DaemonOptions
import Logging
import Passthrough
import VirtioFS

/// The FUSE side of the device: the dispatcher over the shared directory, with DAX through the
/// server's backend-request channel when `--dax-window` offers a window, and the
/// lock options of the command line.
func makeRequestHandler(fs: PassthroughFS, server: VirtioFSServer, configuration: DaemonConfiguration,
                        logger: Logger) -> RequestHandler {
    FuseDispatcher(fs: fs, config: fs.config,
                   dax: configuration.server.daxWindow != nil ? server.backendRequests : nil, logger: logger,
                   posixLocks: configuration.posixLocks, flockLocks: configuration.flock)
}
