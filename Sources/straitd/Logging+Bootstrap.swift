import DaemonOptions
import Glibc
import Logging

/// Routes swift-log to stderr or syslog at the configured level, once, before any thread starts.
enum LogSetup {
    static func bootstrap(level: LogLevel, syslog useSyslog: Bool) {
        if useSyslog {
            // LOG_NDELAY connects to /dev/log now: after pivot_root the socket is out of reach.
            openlog("straitd", LOG_PID | LOG_NDELAY, LOG_DAEMON)
        }
        LoggingSystem.bootstrap { label in
            guard case .level(let threshold) = level else { return SwiftLogNoOpLogHandler() }
            var handler: any LogHandler = useSyslog
                ? SyslogLogHandler(label: label)
                : StreamLogHandler.standardError(label: label)
            handler.logLevel = threshold
            return handler
        }
    }
}

/// syslog(3) as a swift-log handler: one line per message, metadata appended as key=value.
struct SyslogLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let suffix = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        let line = "\(event.message)\(suffix)"
        withVaList([line]) { vsyslog(Self.priority(event.level), "%s", $0) }
    }

    static func priority(_ level: Logger.Level) -> Int32 {
        switch level {
        case .trace, .debug: LOG_DEBUG
        case .info: LOG_INFO
        case .notice: LOG_NOTICE
        case .warning: LOG_WARNING
        case .error: LOG_ERR
        case .critical: LOG_CRIT
        }
    }
}
