import Dispatch
import Foundation
import Glibc
import Libvirt

/// On SIGINT/SIGTERM, a run sweeps itself (domains, daemons, files) before exiting, so an
/// interrupted run leaves nothing behind. Keep the returned value alive for the run's duration.
/// @unchecked: dispatch sources are thread-safe but not Sendable to the compiler; `sources` is
/// set once, in init.
public final class SignalSweep: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]

    public init(run: Run, uri: String = Connection.defaultURI) {
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("strait: signal \(sig), sweeping run \(run.id)\n".utf8))
                run.release()
                let report = Sweeper(uri: uri).sweep(runID: run.id)
                FileHandle.standardError.write(Data("\(report)\n".utf8))
                exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    deinit { sources.forEach { $0.cancel() } }
}
