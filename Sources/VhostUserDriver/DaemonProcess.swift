import Glibc
import Synchronization

/// A daemon under supervision: spawned in its own process group with its output in a log file,
/// stopped with SIGTERM, a grace period and SIGKILL (descendants included), never left behind.
public final class DaemonProcess: @unchecked Sendable {
    public let name: String
    public let pid: pid_t
    public let logPath: String
    private let state = Mutex<(exited: Bool, status: Int32)>((false, 0))

    /// Spawns `arguments` (arguments[0] is looked up in PATH when it has no slash).
    public init(name: String, arguments: [String], logPath: String) throws(DriverError) {
        guard let program = arguments.first else { throw DriverError(.daemon, "\(name): empty command") }
        self.name = name
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var cArgs: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawnp(&child, program, &actions, &attr, &cArgs, environ)
        if rc != 0 { throw DriverError(.daemon, "\(name): cannot start \(program): \(String(cString: strerror(rc)))", errno: rc) }
        pid = child
    }

    deinit { stop() }

    /// Reaps without blocking; true while the daemon runs.
    public var isAlive: Bool {
        state.withLock { s in
            if s.exited { return false }
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno == ECHILD) {
                s = (true, status)
                return false
            }
            return true
        }
    }

    /// "exited with status N" / "killed by signal N", or nil while running.
    public var exitDescription: String? {
        guard !isAlive else { return nil }
        let status = state.withLock { $0.status }
        let sig = status & 0x7f
        return sig == 0 ? "exited with status \((status >> 8) & 0xff)" : "killed by signal \(sig)"
    }

    /// SIGTERM to the group and every descendant, `grace` seconds, then SIGKILL; reaps.
    public func stop(grace: Double = 3) {
        guard isAlive else { return }
        let family = ProcessUsage.descendants(of: pid)
        kill(-pid, SIGTERM)
        for p in family { kill(p, SIGTERM) }
        let deadline = monotonicSeconds() + grace
        while isAlive && monotonicSeconds() < deadline { usleep(10_000) }
        if isAlive {
            kill(-pid, SIGKILL)
            for p in family + ProcessUsage.descendants(of: pid) { kill(p, SIGKILL) }
            while isAlive { usleep(5_000) }
        }
        kill(-pid, SIGKILL)
    }

    /// Waits up to `timeout` seconds for the daemon to exit on its own; true if it did.
    public func waitForExit(timeout: Double) -> Bool {
        let deadline = monotonicSeconds() + timeout
        while isAlive {
            if monotonicSeconds() > deadline { return false }
            usleep(10_000)
        }
        return true
    }

    /// The last `count` lines of the daemon's output.
    public func lastLogLines(_ count: Int = 20) -> [String] {
        guard let text = ProcessUsage.readFile(logPath) else { return [] }
        return Array(text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.isEmpty }.suffix(count))
    }

    /// CPU seconds and peak RSS of the daemon and its descendants (sandboxes fork).
    public func usage() -> ProcessUsage { ProcessUsage.tree(of: pid) }

    /// An error that names the daemon, says how it ended, and shows its last log lines.
    public func failure(_ what: String) -> DriverError {
        let how = exitDescription.map { " (\($0))" } ?? ""
        let lines = lastLogLines(15).map { "  | \($0)" }.joined(separator: "\n")
        return DriverError(.daemon, "daemon '\(name)' \(what)\(how); last log lines of \(logPath):\n\(lines)")
    }
}
