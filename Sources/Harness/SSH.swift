import Foundation
import GuestImage

/// OpenSSH client to a guest's forwarded port with the harness key. Host keys are neither
/// checked nor stored: every VM is new and reachable only on 127.0.0.1.
public struct SSHClient: Sendable {
    public let port: Int
    public let key: String
    public var user = "root"
    /// Asked a few times a second while a command runs: true stops the command (the ssh client is
    /// killed; whatever hangs in the guest stays there). The runner sets it to a `WorkloadWatch`
    /// so a workload whose daemon died ends in seconds, not at its timeout.
    public var watch: (@Sendable () -> Bool)?

    public init(port: Int, key: String) {
        self.port = port
        self.key = key
    }

    public var arguments: [String] {
        ["-i", key, "-p", String(port),
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "BatchMode=yes", "-o", "ConnectTimeout=4", "-o", "LogLevel=ERROR",
         "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=6",
         "\(user)@127.0.0.1"]
    }

    /// What a human types to get into the VM.
    public var commandLine: String { (["ssh"] + arguments).joined(separator: " ") }

    /// Runs `command` in the guest (through the remote shell), with optional stdin.
    public func run(_ command: String, input: Data? = nil, timeout: Double = 300) throws(HarnessError) -> HostCommand.Result {
        do {
            return try HostCommand("ssh", arguments + [command], input: input).run(timeout: timeout, abort: watch)
        } catch {
            throw HarnessError(.ssh, "ssh", cause: error)
        }
    }

    /// Like run, but throws unless the command exits 0.
    @discardableResult
    public func check(_ command: String, input: Data? = nil, timeout: Double = 300) throws(HarnessError) -> String {
        let result = try run(command, input: input, timeout: timeout)
        guard result.succeeded else {
            let why = result.aborted ? "stopped (its watch fired)" : result.timedOut ? "timed out after \(Int(timeout)) s" : "exit \(result.status)"
            throw HarnessError(.guest, "guest command '\(command.prefix(120))' \(why): \(result.output.suffix(2000))")
        }
        return result.output
    }

    /// Polls until `true` succeeds over SSH or the deadline passes; `alive` aborts early
    /// (e.g. when the domain died). Returns the seconds waited.
    public func waitReady(deadline: Date, alive: () -> Bool = { true }) throws(HarnessError) -> Double {
        let started = Date()
        var last = ""
        while Date() < deadline {
            guard alive() else { throw HarnessError(.boot, "VM stopped before SSH came up (last ssh: \(last))") }
            let remaining = deadline.timeIntervalSinceNow
            if let result = try? run("true", timeout: max(1, min(15, remaining))) {
                if result.succeeded { return Date().timeIntervalSince(started) }
                last = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            usleep(500_000)
        }
        throw HarnessError(.ssh, "SSH not ready after \(Int(Date().timeIntervalSince(started))) s (last: \(last))")
    }
}
