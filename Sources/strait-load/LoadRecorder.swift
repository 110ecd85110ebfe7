import Histogram
import Posix
import Synchronization
import VhostUserDriver

/// Collects completions from every lane: latency (ns) into one histogram, ops and bytes, the
/// first error, and whether lanes are still running. Operations that start before the warm-up
/// ends are done but not counted.
final class LoadRecorder: Sendable {
    struct State {
        var histogram = RoundResult.emptyHistogram()
        var ops: UInt64 = 0
        var bytes: UInt64 = 0
        var error: String?
        var active = 0
        var lastCompletion: UInt64 = 0
        /// Operations issued so far (for `limit`).
        var issued: UInt64 = 0
    }

    let measureFrom: UInt64
    let deadline: UInt64
    /// With `--requests N`: lanes stop once N operations were issued in all, whatever the time,
    /// so a counted run (instructions) does exactly the same work every time.
    let limit: UInt64?
    private let state = Mutex(State())

    init(measureFrom: UInt64, deadline: UInt64, limit: UInt64? = nil) {
        self.measureFrom = measureFrom
        self.deadline = deadline
        self.limit = limit
    }

    /// A lane about to issue its first operation; false when the limit leaves it nothing to do.
    func laneStarted() -> Bool {
        state.withLock { s in
            if let limit, s.issued >= limit { return false }
            s.issued += 1
            s.active += 1
            return true
        }
    }

    /// Records one finished operation; returns whether the lane should issue another.
    func finished(startedAt start: UInt64, bytes: Int, error: String?) -> Bool {
        let now = monotonicNanoseconds()
        return state.withLock { s in
            if let error {
                if s.error == nil { s.error = error }
                s.active -= 1
                return false
            }
            if start >= measureFrom {
                _ = s.histogram.record(max(now - start, 1))
                s.ops += 1
                s.bytes += UInt64(bytes)
                s.lastCompletion = now
            }
            if now >= deadline || s.error != nil || (limit.map { s.issued >= $0 } ?? false) {
                s.active -= 1
                return false
            }
            s.issued += 1
            return true
        }
    }

    /// A lane that cannot even submit gives up with this.
    func failed(_ error: String) {
        state.withLock { s in
            if s.error == nil { s.error = error }
            s.active -= 1
        }
    }

    var error: String? { state.withLock { $0.error } }
    var active: Int { state.withLock { $0.active } }

    var snapshot: State { state.withLock { $0 } }
}
