import ArgumentParser
import DaemonLaunch
import Foundation
import GuestImage
import Harness
import Libvirt

/// Boots the image once, for debugging: optional share through a daemon, a command over SSH,
/// then shutdown and sweep. Prints accelerator, boot-to-SSH and the ssh command line.
struct BootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "boot", abstract: "Boot a test VM (debugging aid).")

    @Option(help: "Image recipe.") var recipe = "images/debian-bookworm.yaml"
    @Option(help: "Host directory to share over virtio-fs (tag 'share').") var share: String?
    @Option(help: "Daemon binary for --share (default: the C virtiofsd).") var daemon = DaemonKind.cVirtiofsdPath
    @Option(help: "Cache mode for the daemon.") var cache = "auto"
    @Option(name: .customLong("run"), help: "Command to run in the guest once SSH works.") var command: String?
    @Option(help: "Seconds to keep the VM up after the command (for manual ssh).") var hold: Double = 0
    @Option(help: "libvirt URI.") var connect = Connection.defaultURI

    func run() throws {
        let image = try ImageStore().image(for: try Recipe.load(path: recipe))
        let accel = Accelerator.probe(kernel: image.kernel)
        print("accelerator: \(accel)")
        let key = try SSHKey.harnessKey()
        let runDir = try Run()
        let signals = SignalSweep(run: runDir, uri: connect)
        defer {
            runDir.release()
            print(Sweeper(uri: connect).sweep(runID: runDir.id))
        }
        var daemonProcess: ShareDaemon?
        var options = VirtualMachine.Options()
        if let share {
            let command = DaemonKind.virtiofsdC.command(binary: daemon)
            let socket = runDir.path("share.sock")
            daemonProcess = try ShareDaemon(command: command, socket: socket, dir: share, cache: cache, log: runDir.path("daemon.log"))
            options.shares = [Filesystem(.virtiofsSocket(socket: socket, queueSize: 1024), tag: "share")]
        }
        defer { daemonProcess?.stop() }
        let vm = try VirtualMachine(run: runDir, vm: "boot", image: image, accelerator: accel, key: key,
                                    connection: try Connection(uri: connect), options: options)
        if let daemonProcess { vm.keepDaemonLog("daemon.log", at: daemonProcess.log) }
        defer { vm.shutdown() }
        try vm.start()
        print("boot-to-ssh: \(String(format: "%.1f", vm.bootToSSH ?? 0)) s  domain: \(vm.name)")
        print("ssh: \(vm.ssh.commandLine)")
        if let command {
            let result = try vm.ssh.run(command, timeout: 600)
            print(result.output, terminator: "")
            print("exit: \(result.status)")
        }
        if hold > 0 { Thread.sleep(forTimeInterval: hold) }
        withExtendedLifetime(signals) {}
    }
}
