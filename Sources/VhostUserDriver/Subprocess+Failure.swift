import Posix

extension Subprocess {
    /// An error that names the daemon, says how it ended (with the kernel's seccomp kill of its
    /// tree when there is one), and shows its last log lines.
    public func failure(_ what: String) -> DriverError {
        var how = exitDescription.map { " (\($0))" } ?? ""
        var audit = ""
        if !isAlive {
            let finding = seccompFinding()
            if let reason = finding.reason { how = how.isEmpty ? " (\(reason))" : String(how.dropLast()) + ": \(reason))" }
            audit = "\n" + finding.report.split(separator: "\n").map { "  kernel | \($0)" }.joined(separator: "\n")
        }
        let lines = lastLogLines(15).map { "  | \($0)" }.joined(separator: "\n")
        return DriverError(.daemon, "daemon '\(name)' \(what)\(how); last log lines of \(logPath ?? "/dev/null"):\n\(lines)\(audit)")
    }
}
