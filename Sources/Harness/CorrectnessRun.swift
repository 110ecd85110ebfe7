import DaemonLaunch
import Foundation
import GuestImage
import Libvirt

/// Boots one VM with one virtio-fs share per cache mode (each served by its own daemon from
/// `daemon`), mounts each, runs the guest correctness script on it and verifies on the host what
/// the guest wrote. One boot for all modes: under TCG a boot costs more than a mode.
public struct CorrectnessRun: Sendable {
    public struct ModeResult: Sendable {
        public let mode: String
        public let mount: String
        public let check: GuestCheckResult
        public let hostVerification: Result<String, HarnessError>
        public var passed: Bool {
            if case .success = hostVerification { return check.passed }
            return false
        }
    }

    public struct Report: Sendable {
        public let daemon: String
        public let accelerator: Accelerator
        public let domain: String
        public let bootToSSH: Double
        public let modes: [ModeResult]
        public let daemonEndings: [String: String]
        public let bundle: String?
        public let seconds: Double
        public var passed: Bool { !modes.isEmpty && modes.allSatisfy(\.passed) }
    }

    public var image: BuiltImage
    public var accelerator: Accelerator
    public var daemon: DaemonCommandLine
    public var modes: [String] = ["none", "auto", "always"]
    public var script: String
    public var scriptEnvironment: [String: String] = [:]
    public var tarFiles = 2000
    public var uri = Connection.defaultURI
    /// DAX: each share through QEMU 11.1's generic device (`emulator`, the DAX QEMU's wrapper)
    /// with a window of `windowMiB` from straitd, mounted with `-o dax=always`.
    public struct Dax: Sendable {
        public var emulator: String
        public var windowMiB = 256
        public init(emulator: String) { self.emulator = emulator }
    }
    public var dax: Dax?
    public var log: @Sendable (String) -> Void = { print($0) }

    public init(image: BuiltImage, accelerator: Accelerator, daemon: DaemonCommandLine, script: String) {
        self.image = image
        self.accelerator = accelerator
        self.daemon = daemon
        self.script = script
    }

    /// Runs in `run`; stops the VM and daemons before returning, even on error.
    public func execute(in run: Run) throws(HarnessError) -> Report {
        let started = Date()
        guard let scriptData = FileManager.default.contents(atPath: script) else {
            throw HarnessError(.prerequisite, "guest script \(script) not readable")
        }
        let key: SSHKey
        let connection: Connection
        do {
            key = try SSHKey.harnessKey()
            connection = try Connection(uri: uri)
        } catch { throw HarnessError(.prerequisite, "setup", cause: error) }

        var daemons: [String: ShareDaemon] = [:]
        var shareDirs: [String: String] = [:]
        var options = VirtualMachine.Options()
        defer { for d in daemons.values { d.stop() } }
        for mode in modes {
            let dir = try run.makeDirectory("share-\(mode)", mode: 0o777)
            shareDirs[mode] = dir
            let socket = run.path("\(daemon.name)-\(mode).sock")
            var command = daemon
            if let dax { command.arguments += ["--dax-window=\(dax.windowMiB)M", "--tag=share-\(mode)"] }
            daemons[mode] = try ShareDaemon(command: command, socket: socket, dir: dir, cache: mode,
                                           log: run.path("\(daemon.name)-\(mode).log"))
            let backend: Filesystem.Backend = dax == nil ? .virtiofsSocket(socket: socket, queueSize: 1024) : .virtiofsDaxSocket(socket: socket)
            options.shares.append(Filesystem(backend, tag: "share-\(mode)"))
        }
        options.emulator = dax?.emulator
        let vm = try VirtualMachine(run: run, vm: "\(daemon.name)", image: image, accelerator: accelerator,
                                    key: key, connection: connection, options: options)
        for (mode, d) in daemons { vm.keepDaemonLog("daemon-\(mode).log", at: d.log) }
        defer { vm.shutdown() }
        log("e2e: booting \(vm.name) (\(accelerator)) with \(daemon.name) shares \(modes.joined(separator: ","))")
        try vm.start()
        let boot = vm.bootToSSH ?? 0
        log("e2e: boot-to-SSH \(String(format: "%.1f", boot)) s")
        try vm.ssh.check("cat > /root/fs-correctness.sh && chmod +x /root/fs-correctness.sh", input: scriptData)

        var results: [ModeResult] = []
        for mode in modes {
            let mountPoint = "/mnt/share-\(mode)"
            let daxOption = dax == nil ? "" : "-o dax=always "
            let mount = try vm.ssh.check("mount -t virtiofs \(daxOption)share-\(mode) \(mountPoint) && findmnt -n -o TARGET,SOURCE,FSTYPE,OPTIONS \(mountPoint)")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard mount.contains("virtiofs"), dax == nil || mount.contains("dax=always") else {
                throw HarnessError(.guest, "findmnt \(mountPoint) shows '\(mount)', not virtiofs",
                                   bundle: vm.keepBundle(reason: "mount of share-\(mode) not virtiofs: \(mount)"))
            }
            log("e2e: [\(mode)] mounted: \(mount)")
            let env = (scriptEnvironment.merging(["TAR_FILES": String(tarFiles)]) { $1 })
                .map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
            let t0 = Date()
            let result = try vm.ssh.run("\(env) bash /root/fs-correctness.sh \(mountPoint) \(mode)", timeout: 1500)
            let check = GuestCheckResult(label: "\(daemon.name) cache=\(mode)", output: result.output,
                                         exitStatus: result.timedOut ? -1 : result.status, seconds: Date().timeIntervalSince(t0))
            for line in result.output.split(separator: "\n") { log("e2e: [\(mode)] \(line)") }
            let verification: Result<String, HarnessError>
            do {
                verification = .success(try HostVerify.verifyShare(shareDirs[mode] ?? "", expectedTarFiles: tarFiles))
            } catch { verification = .failure(error) }
            log("e2e: [\(mode)] \(check.summary); host: \(verification)")
            _ = try? vm.ssh.run("umount \(mountPoint)", timeout: 60)
            results.append(ModeResult(mode: mode, mount: mount, check: check, hostVerification: verification))
        }
        var bundle: String?
        if !results.allSatisfy(\.passed) {
            bundle = vm.keepBundle(reason: "correctness failures: " + results.filter { !$0.passed }.map(\.mode).joined(separator: ","),
                                   xml: nil)
        }
        vm.shutdown()
        var endings: [String: String] = [:]
        for (mode, d) in daemons { endings[mode] = d.stop().description }
        return Report(daemon: daemon.name, accelerator: accelerator, domain: vm.name, bootToSSH: boot, modes: results,
                      daemonEndings: endings, bundle: bundle, seconds: Date().timeIntervalSince(started))
    }
}
