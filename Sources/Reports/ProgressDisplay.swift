import Foundation
import Matrix
import Synchronization

/// The live view of a run: which step is measuring, how many are done, elapsed time and an ETA
/// from the average step so far, and one line per finished step. On a terminal the status line
/// is redrawn in place; in logs (CI) every event is its own line.
public final class ProgressDisplay: Sendable {
    public enum Style: Sendable {
        /// Redraws the status line with a carriage return (a terminal).
        case terminal
        /// One line per event (CI logs, files).
        case lines
    }

    struct State {
        var done = 0
        var startedAt: Date?
        var current: Step?
        var stepStartedAt: Date?
        var stepSeconds: [Double] = []
    }

    public let total: Int
    let style: Style
    let write: @Sendable (String) -> Void
    let now: @Sendable () -> Date
    let state = Mutex(State())

    /// `write` receives text exactly as it should appear (with `\r` or `\n`); `now` is the clock.
    public init(
        total: Int, style: Style, now: @escaping @Sendable () -> Date = { Date() },
        write: @escaping @Sendable (String) -> Void
    ) {
        self.total = total
        self.style = style
        self.now = now
        self.write = write
    }

    /// Standard error, redrawn in place when it is a terminal.
    public static func standardError(total: Int) -> ProgressDisplay {
        ProgressDisplay(total: total, style: isatty(2) == 1 ? .terminal : .lines) { text in
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    public func begin(_ step: Step) {
        let text = state.withLock { s -> String in
            let t = now()
            if s.startedAt == nil { s.startedAt = t }
            s.current = step
            s.stepStartedAt = t
            return status(s, at: t)
        }
        emit(text)
    }

    /// Ends the current step with a short outcome (`84.7mb 21.7k`, `22.4s`, `unsupported: ...`).
    public func end(_ step: Step, outcome: String) {
        let text = state.withLock { s -> String in
            let t = now()
            let seconds = s.stepStartedAt.map { t.timeIntervalSince($0) } ?? 0
            s.stepSeconds.append(seconds)
            s.done += 1
            s.current = nil
            return "[\(s.done)/\(total)] \(Self.describe(step)): \(outcome) (\(Self.duration(seconds)))"
        }
        switch style {
        case .terminal: write("\r\u{1B}[K" + text + "\n")
        case .lines: write(text + "\n")
        }
    }

    /// The status line: progress, the step under way, elapsed and the estimate of what remains.
    func status(_ s: State, at t: Date) -> String {
        let elapsed = s.startedAt.map { t.timeIntervalSince($0) } ?? 0
        var text = "[\(s.done)/\(total)]"
        if let step = s.current { text += " \(Self.describe(step))" }
        text += ", elapsed \(Self.duration(elapsed))"
        if !s.stepSeconds.isEmpty {
            let average = s.stepSeconds.reduce(0, +) / Double(s.stepSeconds.count)
            text += ", about \(Self.duration(average * Double(total - s.done))) left"
        }
        return text
    }

    private func emit(_ status: String) {
        switch style {
        case .terminal: write("\r\u{1B}[K" + status)
        case .lines: write(status + "\n")
        }
    }

    static func describe(_ step: Step) -> String {
        let variant = step.variant == "run" ? "" : "\(step.variant) "
        return "\(variant)\(step.cell.id) \(step.workload.name) #\(step.repetition + 1)"
    }

    /// `45s`, `3m05s`, `1h02m`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }
}
