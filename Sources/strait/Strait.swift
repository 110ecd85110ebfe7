import ArgumentParser

/// `strait`: the VM harness's command line.
@main
struct Strait: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strait",
        abstract: "Strait's VM harness: guest images, test VMs, matrix runs, reports and the pre-merge gate.",
        subcommands: [ImageCommand.self, SweepCommand.self, BootCommand.self, RunCommand.self, ListCommand.self,
                      MergeCommand.self, ReportCommand.self, CompareCommand.self, GateCommand.self])
}
