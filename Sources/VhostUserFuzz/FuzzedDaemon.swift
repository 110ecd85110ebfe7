import VhostUserDriver
import DaemonLaunch
import Glibc
import Posix

/// What a fuzzer drives: a daemon it can (re)connect to and ask whether it crashed.
public protocol FuzzedDaemon: AnyObject {
    /// A socket path with a daemon listening (restarting it if it exited cleanly).
    func socketPath() throws(DriverError) -> String
    /// A description if the daemon crashed (killed by a signal), else nil.
    func crashDescription() -> String?
}

/// A daemon process started from a `DaemonCommandLine`, restarted whenever it has exited (both
/// virtiofsd and straitd exit when their frontend hangs up).
public final class ProcessFuzzTarget: FuzzedDaemon {
    public let command: DaemonCommandLine
    public let directory: String
    private let workDir: String
    private var process: Subprocess?
    private var starts = 0
    private var crash: String?
    /// Called with each new daemon pid (and the previous one), so a supervisor can track it.
    public var onStart: ((_ previous: pid_t?, _ current: pid_t) -> Void)?

    public init(command: DaemonCommandLine, sharedDirectory: String, workDirectory: String) {
        self.command = command
        directory = sharedDirectory
        workDir = workDirectory
    }

    deinit { process?.stop() }

    public var currentPID: pid_t? { process?.pid }

    public var restarts: Int { max(starts - 1, 0) }

    public func socketPath() throws(DriverError) -> String {
        if let p = process {
            if p.isAlive { return workDir + "/fuzz-\(starts).sock" }
            try record(p)
            // A frontend that went away ends the daemon: give it time to exit on its own.
        }
        starts += 1
        let socket = workDir + "/fuzz-\(starts).sock"
        unlink(socket)
        let p: Subprocess
        do {
            p = try Subprocess(name: command.name, arguments: command.expanded(socket: socket, dir: directory),
                               logPath: workDir + "/fuzz-\(starts).log")
        } catch { throw DriverError(.daemon, "cannot start \(command.name)", cause: error) }
        onStart?(process?.pid, p.pid)
        process = p
        return socket
    }

    /// Waits briefly for a daemon whose frontend left, so its exit status is known.
    public func settle() {
        guard let p = process else { return }
        if !p.waitForExit(timeout: 2) { p.stop() }
        try? record(p)
    }

    private func record(_ p: Subprocess) throws(DriverError) {
        if let how = p.exitDescription, how.hasPrefix("killed"), crash == nil {
            crash = "\(command.name) \(how); log:\n" + p.lastLogLines(10).joined(separator: "\n")
        }
        if let crash { throw DriverError(.daemon, crash) }
    }

    public func crashDescription() -> String? {
        if crash == nil, let p = process, !p.isAlive { try? record(p) }
        return crash
    }

    public func stop() { process?.stop() }
}
