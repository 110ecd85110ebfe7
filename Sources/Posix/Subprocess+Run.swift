import Glibc

extension Subprocess {
    /// A command run to completion.
    public struct Completion: Sendable {
        public let status: ExitStatus
        /// stdout and stderr merged (empty when they went only to a log file).
        public let output: String
        public let timedOut: Bool
        /// `abort` said to stop it before it ended (it was stopped as on a timeout).
        public var aborted = false
        /// Set when it outlived SIGKILL (`Ending.unkillable`: frozen, or blocked in the kernel):
        /// `status` then reads the SIGKILL it will die of, which it has not yet.
        public var stillRunning: String?

        /// The exit code, or -1 when a signal ended it.
        public var code: Int32 {
            if case let .exited(c) = status { return c }
            return -1
        }

        public var succeeded: Bool { status == .exited(0) && !timedOut && stillRunning == nil }
    }

    /// Runs `arguments` until it exits or `timeout` seconds pass (then the tree is stopped:
    /// SIGTERM, 2 s grace, SIGKILL). stdout and stderr are merged and captured; with `logTo` they
    /// go to that file, and with `tee` to both. `input` is written to stdin, then closed. One
    /// thread does it all with poll, so a chatty child never blocks on a full pipe. `abort`, asked
    /// every `abortInterval` seconds while the command runs, ends it early the same way (the runner
    /// stops a guest command whose daemon died instead of waiting out its timeout).
    public static func run(_ arguments: [String], environment: [String: String]? = nil, input: [UInt8]? = nil,
                           timeout: Double, logTo: String? = nil, tee: Bool = false,
                           abort: (() -> Bool)? = nil, abortInterval: Double = 0.25) throws(SubprocessError) -> Completion {
        guard let program = arguments.first else { throw SubprocessError(.spawn, "", "empty command") }
        // A child that exits before reading its input must give EPIPE here, not kill us.
        signal(SIGPIPE, SIG_IGN)
        var log: Int32 = -1
        if let logTo {
            log = open(logTo, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard log >= 0 else { throw SubprocessError(.spawn, program, cause: SystemCallError("open \(logTo)")) }
        }
        defer { if log >= 0 { close(log) } }
        let capture = logTo == nil || tee
        var outPipe: [Int32] = [-1, -1]
        if capture {
            guard let p = makePipe() else { throw SubprocessError(.spawn, program, cause: SystemCallError("pipe")) }
            outPipe = p
        }
        var inPipe: [Int32] = [-1, -1]
        if input != nil {
            guard let p = makePipe() else { throw SubprocessError(.spawn, program, cause: SystemCallError("pipe")) }
            inPipe = p
        }
        defer { for fd in outPipe + inPipe where fd >= 0 { close(fd) } }
        let process: Subprocess
        do {
            process = try Subprocess(name: basename(program), arguments: arguments, logPath: logTo,
                                     stdin: input == nil ? nil : inPipe[0], stdout: capture ? outPipe[1] : log,
                                     environment: environment)
        }
        // The child's ends belong to the child now.
        if capture { close(outPipe[1]); outPipe[1] = -1 }
        if input != nil { close(inPipe[0]); inPipe[0] = -1 }
        for fd in [outPipe[0], inPipe[1]] where fd >= 0 { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

        var collected: [UInt8] = []
        var pending = input ?? []
        if input != nil && pending.isEmpty { close(inPipe[1]); inPipe[1] = -1 }
        let deadline = monotonicSeconds() + timeout
        var timedOut = false
        var aborted = false
        var ending: Ending?
        var nextAbortCheck = monotonicSeconds()
        var buffer = [UInt8](repeating: 0, count: 65536)
        func drain() {
            guard outPipe[0] >= 0 else { return }
            while true {
                let n = buffer.withUnsafeMutableBytes { read(outPipe[0], $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                collected += buffer[0..<n]
                if tee && log >= 0 { buffer[0..<n].withUnsafeBytes { _ = write(log, $0.baseAddress, $0.count) } }
            }
        }
        while process.isAlive {
            if monotonicSeconds() > deadline {
                timedOut = true
                ending = process.stop(grace: 2)
                break
            }
            if let abort, monotonicSeconds() >= nextAbortCheck {
                nextAbortCheck = monotonicSeconds() + abortInterval
                if abort() {
                    aborted = true
                    ending = process.stop(grace: 2)
                    break
                }
            }
            var fds: [pollfd] = []
            if outPipe[0] >= 0 { fds.append(pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0)) }
            if inPipe[1] >= 0 { fds.append(pollfd(fd: inPipe[1], events: Int16(POLLOUT), revents: 0)) }
            _ = poll(&fds, nfds_t(fds.count), 20)
            drain()
            if inPipe[1] >= 0 {
                let n = pending.withUnsafeBytes { write(inPipe[1], $0.baseAddress, $0.count) }
                if n > 0 { pending.removeFirst(n) }
                if pending.isEmpty || (n < 0 && errno != EAGAIN && errno != EINTR) {
                    close(inPipe[1])
                    inPipe[1] = -1
                }
            }
        }
        drain()
        // Stopped or ended on its own, it has been reaped; only one that outlived SIGKILL has no status yet.
        var stillRunning: String?
        if case let .unkillable(message) = ending { stillRunning = message }
        return Completion(status: process.status ?? .signalled(SIGKILL), output: String(decoding: collected, as: UTF8.self),
                          timedOut: timedOut, aborted: aborted, stillRunning: stillRunning)
    }
}
