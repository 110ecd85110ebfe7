import Glibc
import Synchronization

/// The one process supervisor. A child is spawned with posix_spawn into its own process group,
/// with default signal dispositions and an empty mask, stdin from /dev/null (or a pipe) and its
/// output in a log file or a pipe; no shell in between. It is reaped with waitpid on its own pid,
/// so nothing the child does with inherited descriptors (sshd closes them all) can stop the
/// reaping, and `stop` ends the whole tree: SIGTERM to the group and every descendant (sandboxes
/// fork into new groups and namespaces), a grace period, then SIGKILL and a bounded wait: a
/// process that survives even that (frozen by a cgroup freezer, stuck in the kernel) is reported,
/// not waited for forever (Subprocess+Unkillable.swift).
public final class Subprocess: Sendable {
    public let name: String
    public let pid: pid_t
    public let arguments: [String]
    /// Where stdout and stderr go, when they go to a file.
    public let logPath: String?
    /// The wait status once reaped; shared with the reaper thread of a process that outlived `stop`.
    let reaping = Reaping()
    /// How `stop` ended it; serialises concurrent stops.
    private let ending = Mutex<Ending?>(nil)
    /// Wall-clock milliseconds just before the spawn: where a search of the kernel log starts.
    public let startedEpochMilliseconds: Int64
    /// Every pid its tree was seen with, and that pid's executable (`Subprocess+Family`).
    let seenTree = Mutex<[pid_t: String?]>([:])

    /// How a process ended. A signal's end says whether the kernel wrote a core (the wait
    /// status's core flag): a daemon that crashed with a core left evidence to look for.
    public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32), signalled(Int32, coreDumped: Bool = false)

        init(waitStatus s: Int32) {
            let sig = s & 0x7f
            self = sig == 0 ? .exited((s >> 8) & 0xff) : .signalled(sig, coreDumped: s & 0x80 != 0)
        }

        /// The signal that ended it, nil when it exited.
        public var signal: Int32? {
            if case let .signalled(sig, _) = self { return sig }
            return nil
        }

        public var description: String {
            switch self {
            case let .exited(code): return "exited with status \(code)"
            case let .signalled(sig, core): return "killed by signal \(sig)" + Subprocess.signalText(sig, coreDumped: core)
            }
        }
    }

    /// What follows a signal's number in a reason: " (SIGSEGV)", and ", core dumped" when it
    /// did (the words of the shell and of straitd's log).
    static func signalText(_ sig: Int32, coreDumped: Bool) -> String {
        (signalName(sig).map { " (\($0))" } ?? "") + (coreDumped ? ", core dumped" : "")
    }

    /// "SIGKILL" for 9: the names a report reader looks for (glibc's sigabbrev_np is not in Swift's Glibc).
    public static func signalName(_ signal: Int32) -> String? {
        let names: [Int32: String] = [SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL",
                                      SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
                                      SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1", SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2",
                                      SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGSYS: "SIGSYS",
                                      SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ"]
        return names[signal]
    }

    /// How `stop` ended a process: on its own (or on SIGTERM), or by SIGKILL after the grace; or
    /// not at all: `unkillable` when it was still there after SIGKILL and the bounded wait.
    public enum Ending: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32), signalled(Int32, coreDumped: Bool = false), killed
        /// Still not exited after SIGKILL: the message names the pid, its state and the way out.
        case unkillable(String)

        /// It was still running when `stop` returned (teardown went on without it).
        public var isUnkillable: Bool {
            if case .unkillable = self { return true }
            return false
        }

        init(_ status: ExitStatus) {
            switch status {
            case let .exited(c): self = .exited(c)
            case let .signalled(s, core): self = .signalled(s, coreDumped: core)
            }
        }

        public var description: String {
            switch self {
            case let .exited(code): return "exited \(code)"
            case let .signalled(sig, core): return "terminated by signal \(sig)" + Subprocess.signalText(sig, coreDumped: core)
            case .killed: return "killed after the grace period"
            case let .unkillable(message): return message
            }
        }
    }

    /// Spawns `arguments` (arguments[0] is looked up in PATH when it has no slash) with stdout
    /// and stderr in `logPath` (truncated; `header` written first) or /dev/null. Descriptors above
    /// 2 stay behind unless `inheriting` names some (libvirt's `--fd=N`): then every descriptor
    /// without close-on-exec is inherited, as a plain fork and exec would.
    public convenience init(name: String? = nil, arguments: [String], logPath: String? = nil, header: String? = nil,
                            environment: [String: String]? = nil, inheriting: [Int32] = []) throws(SubprocessError) {
        guard let program = arguments.first else { throw SubprocessError(.spawn, name ?? "", "empty command") }
        let out: Int32
        if let logPath {
            out = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard out >= 0 else { throw SubprocessError(.spawn, program, cause: SystemCallError("open \(logPath)")) }
            if let header { Self.writeAll(out, Array(header.utf8)) }
        } else {
            out = open("/dev/null", O_WRONLY | O_CLOEXEC)
        }
        defer { close(out) }
        try self.init(name: name ?? Self.basename(program), arguments: arguments, logPath: logPath,
                      stdin: nil, stdout: out, environment: environment, closeOthers: inheriting.isEmpty)
    }

    /// Spawns with explicit descriptors for stdin (nil: /dev/null) and stdout+stderr.
    init(name: String, arguments: [String], logPath: String?, stdin: Int32?, stdout: Int32,
         environment: [String: String]?, closeOthers: Bool = true) throws(SubprocessError) {
        self.name = name
        self.arguments = arguments
        self.logPath = logPath
        startedEpochMilliseconds = epochMilliseconds()
        pid = try Self.spawn(arguments, stdin: stdin, stdout: stdout, environment: environment, closeOthers: closeOthers)
        // posix_spawn returns after the exec: this is the program's own executable.
        seenTree.withLock { $0[pid] = Self.executable(of: pid) }
    }

    deinit { stop(grace: 1) }

    // MARK: state

    /// Reaps without blocking; true while the process runs.
    public var isAlive: Bool { status == nil }

    /// The exit status once it has ended (reaps without blocking), nil while it runs.
    public var status: ExitStatus? {
        reaping.poll(pid).map(ExitStatus.init(waitStatus:))
    }

    /// It was killed by a signal and its core was written (the wait status's core flag).
    public var coreDumped: Bool {
        if case .signalled(_, coreDumped: true)? = status { return true }
        return false
    }

    /// "exited with status N" / "killed by signal N (NAME)" (", core dumped"), or nil while running.
    public var exitDescription: String? { status?.description }

    /// The exit code when it exited normally, nil while running or when killed by a signal.
    public var exitCode: Int32? {
        if case let .exited(code) = status { return code }
        return nil
    }

    /// Waits up to `timeout` seconds for the process to exit on its own; true if it did.
    public func waitForExit(timeout: Double) -> Bool {
        let deadline = monotonicSeconds() + timeout
        while isAlive {
            if monotonicSeconds() > deadline { return false }
            usleep(5_000)
        }
        return true
    }

    /// SIGTERM to the group and every descendant, up to `grace` seconds, then SIGKILL to all of
    /// them and up to `killWait` seconds for the process to go; reaps. It returns after at most
    /// grace + killWait (and a /proc walk or two) whatever the process does: one still there is
    /// `.unkillable`, said on stderr too, and reaped by a thread whenever it ends. Idempotent: a
    /// later call returns the first one's answer (once an unkillable one has ended: how it ended).
    @discardableResult
    public func stop(grace: Double = 3, killWait: Double = 5) -> Ending {
        ending.withLock { done -> Ending in
            if let done {
                if done.isUnkillable, let status { return Ending(status) }
                return done
            }
            let result = terminate(grace: grace, killWait: killWait)
            done = result
            return result
        }
    }

    private func terminate(grace: Double, killWait: Double) -> Ending {
        if let status { return Ending(status) }
        let family = Array(tree().dropFirst())
        let pid = pid
        let outcome = Escalation.end(grace: grace, killWait: killWait, alive: { isAlive }, terminate: {
            kill(-pid, SIGTERM)
            for p in family { kill(p, SIGTERM) }
        }, kill: {
            kill(-pid, SIGKILL)
            for p in family + ProcessUsage.descendants(of: pid) { kill(p, SIGKILL) }
        })
        // Whatever is left of the group (a child that outlived its parent) goes too.
        kill(-pid, SIGKILL)
        if isAlive { return survived(killWait: killWait) }
        return outcome == .ended ? Ending(status ?? .exited(0)) : .killed
    }

    // MARK: output and accounting

    /// The last `count` non-empty lines of the log.
    public func lastLogLines(_ count: Int = 20) -> [String] {
        guard let logPath, let text = ProcessUsage.readFile(logPath) else { return [] }
        return Array(text.split(separator: "\n").map(String.init).suffix(count))
    }

    /// CPU seconds and peak RSS of the process and its descendants (sandboxes fork).
    public func usage() -> ProcessUsage { ProcessUsage.of(tree()) }

    /// The process's own argv from /proc (nil once it is gone).
    public static func argv(of pid: pid_t) -> [String]? {
        guard let text = ProcessUsage.readFile("/proc/\(pid)/cmdline"), !text.isEmpty else { return nil }
        return text.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

/// Why a process could not be started: what, and the underlying cause.
public struct SubprocessError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable { case notFound, spawn }
    public let code: Code
    public let program: String
    public let detail: String
    public let cause: SystemCallError?

    init(_ code: Code, _ program: String, _ detail: String = "", cause: SystemCallError? = nil) {
        self.code = code
        self.program = program
        self.detail = detail
        self.cause = cause
    }

    public var description: String {
        let what = code == .notFound ? "\(program) not found on PATH" : "cannot start \(program)"
        return [what, detail.isEmpty ? nil : detail, cause.map { "\($0)" }].compactMap { $0 }.joined(separator: ": ")
    }
}
