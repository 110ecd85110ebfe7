import ArgumentParser
import Harness
import Libvirt

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Remove leftovers of dead runs: domains, daemons, sockets, overlays, shared-memory files.",
        discussion: "Only things named strait-<run id> of runs whose lock is free are touched; live runs are left alone.")

    @Option(help: "Sweep only this run id.") var runID: String?
    @Option(help: "libvirt URI.") var connect = Connection.defaultURI

    func run() throws {
        let report = Sweeper(uri: connect).sweep(runID: runID)
        print(report)
        if !report.errors.isEmpty { throw ExitCode(1) }
    }
}
