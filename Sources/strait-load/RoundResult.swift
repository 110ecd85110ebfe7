import Histogram
import VhostUserDriver

/// One timed run of one daemon on one workload at one depth.
struct RoundResult: Sendable {
    var ops: UInt64
    var seconds: Double
    var bytes: UInt64
    var latency: Histogram<UInt64>
    var cpuSeconds: Double
    var peakRSSKiB: UInt64
    /// Daemon instructions per operation, with `--instructions` (valgrind's count, startup removed).
    var instructionsPerOp: Double?

    var opsPerSecond: Double { seconds > 0 ? Double(ops) / seconds : 0 }
    var mibPerSecond: Double { seconds > 0 ? Double(bytes) / seconds / 1_048_576 : 0 }
    /// The daemon's CPU time per operation, microseconds (what a polling daemon pays for its speed).
    var cpuMicrosecondsPerOp: Double { ops > 0 ? cpuSeconds * 1e6 / Double(ops) : 0 }

    /// One round's latency percentile in microseconds (0 without operations).
    func percentileMicroseconds(_ p: Double) -> Double {
        latency.totalCount == 0 ? 0 : Double(latency.valueAtPercentile(p)) / 1000
    }

    static func emptyHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000_000, numberOfSignificantValueDigits: .three)
    }
}

/// The parameters of a run, shared by the FUSE and host runners.
struct RunParameters: Sendable {
    var workload: Workload
    var queueDepth: Int
    var seconds: Double
    var warmup: Double
    var requestQueues: Int
    var fileSize: UInt64
    var poll: Bool
    var seed: UInt64
    /// `--guest linux`: batch refills with one kick, and keep in flight only what a Linux
    /// guest's FUSE layer would (`GuestModel`).
    var linuxGuest: Bool = false
    /// `--requests N`: exactly N operations per round, no warm-up, no time limit (the counted
    /// runs behind `--instructions`).
    var requests: UInt64?
}
