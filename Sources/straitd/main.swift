import DaemonLaunch
import DaemonOptions
import Glibc

// Before anything can start a thread: only the signal thread may receive SIGTERM/SIGINT/SIGHUP.
SignalThread.blockSignals()

let command: DaemonCommand
do throws(OptionsError) {
    command = try DaemonCommand.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    // One line, exit 2: what libvirt and scripts see for a bad command line.
    var line = "straitd: \(error.message) (see straitd --help)\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    exit(OptionsError.exitStatus)
}

switch command {
case .help:
    print(Texts.usage)
case .version:
    print(Texts.versionLine)
    for line in BuildStamp.straitd.versionLines { print(line) }
case .printCapabilities:
    print(Texts.capabilities)
case .run(let configuration):
    Daemon.run(configuration)
}
exit(0)
