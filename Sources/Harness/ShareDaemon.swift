import DaemonLaunch
import Glibc
import Posix

/// A virtio-fs daemon serving one share to a VM: its process (under the one supervisor), socket
/// and log. Stopped with SIGTERM to its tree, a grace period, then SIGKILL; `stop` reports how it
/// ended so a crash is not mistaken for a clean exit.
public final class ShareDaemon: Sendable {
    public typealias Ending = Subprocess.Ending
    public let command: DaemonCommandLine
    public let socket: String
    public let log: String
    public let argv: [String]
    private let process: Subprocess

    public var pid: Int32 { process.pid }
    public var isRunning: Bool { process.isAlive }
    /// How it ended, nil while it runs (reaps without blocking).
    public var status: Subprocess.ExitStatus? { process.status }
    /// The last `count` non-empty lines of its log.
    public func lastLogLines(_ count: Int) -> [String] { process.lastLogLines(count) }
    /// Its process and live descendants, remembered for `seccompFinding` (the process first).
    public func tree() -> [Int32] { process.tree() }
    /// The kernel's seccomp kills of its tree since it started: asked once it has died.
    public func seccompFinding() -> SeccompFinding { process.seccompFinding() }

    /// Starts the daemon and waits until its socket exists (or it dies, or `timeout` passes).
    public init(command: DaemonCommandLine, socket: String, dir: String, cache: String, log: String,
                timeout: Double = 15) throws(HarnessError) {
        self.command = command
        self.socket = socket
        self.log = log
        argv = command.expanded(socket: socket, dir: dir, cache: cache)
        guard let exe = argv.first, access(exe, X_OK) == 0 else {
            throw HarnessError(.prerequisite, "\(command.name): \(argv.first ?? "<empty argv>") is not executable")
        }
        unlink(socket)
        do {
            process = try Subprocess(name: command.name, arguments: argv, logPath: log,
                                     header: "# \(argv.joined(separator: " "))\n")
        } catch {
            throw HarnessError(.daemon, "\(command.name): cannot start", cause: error)
        }
        let deadline = monotonicSeconds() + timeout
        while access(socket, F_OK) != 0 {
            if let status = process.status {
                let seccomp = process.seccompFinding().reason.map { ": \($0)" } ?? ""
                throw HarnessError(.daemon, "\(command.name) \(status)\(seccomp) before creating \(socket); log \(log)")
            }
            guard monotonicSeconds() < deadline else {
                _ = stop()
                throw HarnessError(.daemon, "\(command.name) did not create \(socket) within \(Int(timeout)) s; log \(log)")
            }
            usleep(20_000)
        }
        // The VMM runs as root here, but keep the socket usable by libvirt-qemu anyway.
        chmod(socket, 0o777)
    }

    /// SIGTERM to the daemon's tree, wait up to `grace` seconds, then SIGKILL. Idempotent.
    @discardableResult
    public func stop(grace: Double = 5) -> Ending {
        let ending = process.stop(grace: grace)
        unlink(socket)
        return ending
    }

    deinit { stop(grace: 1) }
}
