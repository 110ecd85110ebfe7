import ArgumentParser

/// `strait`: the VM harness's command line.
@main
struct Strait: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strait",
        abstract: "Strait's VM harness: guest images, test VMs, sweeping leftovers.",
        subcommands: [ImageCommand.self, SweepCommand.self, BootCommand.self])
}
