import DaemonOptions
import Logging
import Passthrough
import VirtioFS

/// The one place straitd builds the FUSE side of the device, so it can be swapped while the
/// dispatcher is being integrated. Nil means this build has no dispatcher and straitd refuses
/// to start rather than pretend to serve.
func makeRequestHandler(fs: PassthroughFS, configuration: DaemonConfiguration, logger: Logger) -> RequestHandler? {
    nil
}
