import Glibc
import Posix

/// The host's dirty pages written back (sync(2)) before every measured step. A step's own writes
/// (fio's layout, the guest's disk image, the last step's data) would otherwise be written back by
/// the host's kernel threads during the next measurement: work no daemon did, charged to whichever
/// cell came next, and counted by `HostDisturbance` as other work (the first step of a cell read
/// low and "disturbed" in session 8's seed-2022 runs). Unmeasured.
enum HostFlush {
    /// What run documents record as `RunEnvironment.stepIsolation`.
    static let isolation = "host-flush"

    /// Flushes; returns the seconds it took.
    static func flush() -> Double {
        let start = monotonicSeconds()
        sync()
        return monotonicSeconds() - start
    }
}
