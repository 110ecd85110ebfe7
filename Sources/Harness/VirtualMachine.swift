import Foundation
import GuestImage
import Libvirt
import Posix
import Synchronization

/// A test VM: per-VM qcow2 overlay on the cached image, transient libvirt domain with shared
/// file-backed memory, direct kernel boot, SSH forwarded to 127.0.0.1. Ready means SSH works.
public final class VirtualMachine: Sendable {
    public struct Options: Sendable {
        public var vcpus = 2
        public var memoryMiB = 1024
        public var bootTimeout: Double = 240
        public var shares: [Filesystem] = []
        /// Survive resets (`reboot()`); off, a reboot ends the domain.
        public var restartOnReboot = false
        /// The QEMU binary; nil is libvirt's default (the DAX QEMU's wrapper for DAX runs).
        public var emulator: String?
        public init() {}
    }

    public let name: String
    public let run: Run
    public let image: BuiltImage
    public let accelerator: Accelerator
    public let ssh: SSHClient
    public let consoleLog: String
    public let overlay: String
    public let config: DomainConfig
    private let connection: Connection

    /// What changes while the VM lives, under one lock (as the daemon keeps its state).
    private struct State {
        var domain: Domain?
        /// Daemon logs to include in a failure bundle (name in bundle -> path).
        var daemonLogs: [String: String] = [:]
        var bootToSSH: Double?
    }
    private let state = Mutex(State())

    /// Seconds from domain start to the first successful SSH command.
    public var bootToSSH: Double? { state.withLock { $0.bootToSSH } }

    /// Daemon logs a failure bundle includes (name in bundle -> path).
    public var daemonLogs: [String: String] { state.withLock { $0.daemonLogs } }

    /// Adds a daemon's log to what a failure bundle keeps.
    public func keepDaemonLog(_ name: String, at path: String) {
        state.withLock { $0.daemonLogs[name] = path }
    }

    public init(run: Run, vm: String, image: BuiltImage, accelerator: Accelerator, key: SSHKey,
                connection: Connection, options: Options) throws(HarnessError) {
        self.run = run
        self.image = image
        self.accelerator = accelerator
        self.connection = connection
        name = run.name(vm)
        overlay = run.path(vm + ".qcow2")
        consoleLog = run.path(vm + "-console.log")
        let port: Int
        do { port = Int(try FreePort.loopback()) } catch { throw HarnessError(.io, "no free loopback port", cause: error) }
        ssh = SSHClient(port: port, key: key.privateKeyPath)
        var config = DomainConfig(name: name, kernel: image.kernel, initrd: image.initrd, disk: overlay, consoleLog: consoleLog)
        config.accelerator = accelerator.kind == .kvm ? .kvm : .qemu
        config.vcpus = options.vcpus
        config.memoryMiB = options.memoryMiB
        config.cmdline = image.cmdline
        config.sshPort = port
        config.filesystems = options.shares
        config.restartOnReboot = options.restartOnReboot
        config.emulator = options.emulator
        self.config = config
        self.bootTimeout = options.bootTimeout
    }

    private let bootTimeout: Double

    /// Creates the overlay, starts the domain and waits for SSH. On failure the evidence goes
    /// into a bundle, the domain is destroyed, and the error names the bundle.
    public func start() throws(HarnessError) {
        do {
            try HostCommand("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image.disk, overlay])
                .check(timeout: 60)
        } catch {
            throw HarnessError(.boot, "overlay", cause: error)
        }
        let xml: String
        do { xml = try config.xml() } catch { throw HarnessError(.boot, "domain XML", cause: error) }
        let started = Date()
        do {
            let dom = try connection.createTransient(xml: xml)
            state.withLock { $0.domain = dom }
        } catch {
            throw HarnessError(.boot, "domain creation", cause: error,
                               bundle: keepBundle(reason: "domain creation failed: \(error)", xml: xml))
        }
        do {
            // The image's strait-ready unit prints a marker on the console once sshd listens and
            // the network is configured. SSH attempts before that tend to hang in slirp until
            // their timeout, so wait for the marker first (cheap) and fall back to plain polling
            // if an image without the unit never prints it.
            waitForConsoleMarker(ImageMarkers.readyMarker, until: started.addingTimeInterval(min(90, bootTimeout / 2)))
            _ = try ssh.waitReady(deadline: started.addingTimeInterval(bootTimeout)) { self.isActive }
            let seconds = Date().timeIntervalSince(started)
            state.withLock { $0.bootToSSH = seconds }
        } catch {
            let bundle = keepBundle(reason: "not ready: \(error)", xml: xml)
            destroy()
            throw HarnessError(.boot, "\(name) not ready", cause: error, bundle: bundle)
        }
    }

    /// Resets the guest (system_reset: the virtio-fs device is reset and set up again by the new
    /// boot, the daemon keeps running) and waits until the new boot answers SSH.
    public func reboot() throws(HarnessError) {
        guard let dom = state.withLock({ $0.domain }) else { throw HarnessError(.boot, "\(name) is not running") }
        let before = consoleMarkers()
        let started = Date()
        do { try dom.reset() } catch { throw HarnessError(.boot, "reset", cause: error) }
        let deadline = started.addingTimeInterval(bootTimeout)
        while consoleMarkers() <= before && Date() < deadline && isActive { usleep(200_000) }
        do {
            _ = try ssh.waitReady(deadline: deadline) { self.isActive }
        } catch {
            throw HarnessError(.boot, "\(name) not ready after reset", cause: error, bundle: keepBundle(reason: "not ready after reset: \(error)"))
        }
    }

    /// How many times the guest has printed its ready marker (once per boot).
    private func consoleMarkers() -> Int {
        guard let data = FileManager.default.contents(atPath: consoleLog) else { return 0 }
        return String(decoding: data, as: UTF8.self).components(separatedBy: ImageMarkers.readyMarker).count - 1
    }

    /// Polls the console log for `marker` until `deadline` or until the domain stops.
    func waitForConsoleMarker(_ marker: String, until deadline: Date) {
        while Date() < deadline && isActive {
            if let data = FileManager.default.contents(atPath: consoleLog),
               String(decoding: data, as: UTF8.self).contains(marker) { return }
            usleep(200_000)
        }
    }

    public var isActive: Bool { state.withLock { $0.domain }?.isActive() ?? false }

    /// Evidence for a failure found later (e.g. the guest script failed): same bundle layout.
    public func keepBundle(reason: String, xml: String? = nil) -> String {
        let liveXML = (try? state.withLock { $0.domain }?.xml()) ?? nil
        var files = ["console.log": consoleLog, "qemu.log": "/var/log/libvirt/qemu/\(name).log"]
        for (key, value) in daemonLogs { files[key] = value }
        return FailureBundle.keep(name: name, reason: reason, files: files,
                                  texts: ["domain.xml": liveXML ?? xml ?? (try? config.xml()) ?? ""])
    }

    /// Powers off through the guest (so file systems unmount cleanly), then destroys whatever is
    /// left after `grace` seconds, and removes the overlay.
    public func shutdown(grace: Double = 30) {
        if isActive {
            _ = try? ssh.run("systemctl poweroff --no-block", timeout: 10)
            let deadline = Date().addingTimeInterval(grace)
            while isActive && Date() < deadline { usleep(200_000) }
        }
        destroy()
    }

    /// Stops the domain now. Safe to call repeatedly.
    public func destroy() {
        let dom = state.withLock { s -> Domain? in
            defer { s.domain = nil }
            return s.domain
        }
        if let dom, dom.isActive() { try? dom.destroy() }
        // A transient domain vanishes once stopped; wait briefly so callers can assert that.
        let deadline = Date().addingTimeInterval(10)
        while connection.domain(named: name) != nil && Date() < deadline { usleep(100_000) }
        try? FileManager.default.removeItem(atPath: overlay)
    }

    deinit { destroy() }
}
