import Posix

extension Subprocess {
    /// An error that names the daemon, says how it ended, and shows its last log lines.
    public func failure(_ what: String) -> DriverError {
        let how = exitDescription.map { " (\($0))" } ?? ""
        let lines = lastLogLines(15).map { "  | \($0)" }.joined(separator: "\n")
        return DriverError(.daemon, "daemon '\(name)' \(what)\(how); last log lines of \(logPath ?? "/dev/null"):\n\(lines)")
    }
}
