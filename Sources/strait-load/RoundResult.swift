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
    /// With `--instructions`: the daemon's total instructions (valgrind's count) for the short
    /// and the long counted run of this round, and their operation counts.
    var counted: Counted?
    /// With `--answers`: what the daemon answered (`AnswerProbe`), question by question.
    var answers: [(String, String)] = []

    struct Counted: Sendable {
        var few: UInt64
        var many: UInt64
        var fewOps: UInt64
        var manyOps: UInt64
        /// With `--cache-sim`: cachegrind's simulated misses of the short and the long run.
        var fewMisses: CacheMisses?
        var manyMisses: CacheMisses?
    }

    /// cachegrind's simulated cache misses (its model of the host's caches, not a PMU's count).
    struct CacheMisses: Sendable {
        /// First-level data misses, reads and writes (D1mr + D1mw).
        var d1: UInt64
        /// Last-level misses, instruction and data (ILmr + DLmr + DLmw).
        var ll: UInt64
    }

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
    /// Guest CPUs submitting (`--threads`): lane i runs on CPU i % cpus and uses that CPU's
    /// request queue as Linux 6.11+ maps them (`LinuxQueueMap`).
    var cpus: Int = 1
    var fileSize: UInt64
    var poll: Bool
    var seed: UInt64
    /// `--guest linux`: batch refills with one kick, and keep in flight only what a Linux
    /// guest's FUSE layer would (`GuestModel`).
    var linuxGuest: Bool = false
    /// `--daemon-logs DIR`: where the daemons' logs go (default: the dataset, removed at exit).
    var logDirectory: String?
    /// `--requests N`: exactly N operations per round, no warm-up, no time limit (the counted
    /// runs behind `--instructions`).
    var requests: UInt64?
    /// Pause before each lane's next operation. Counted runs pace the daemon so that it is always
    /// back waiting for a kick when the next request comes (under valgrind it is ~50x slower than
    /// the frontend): otherwise whether a request finds the queue thread polling or still draining
    /// varies run to run, and so does the count (measured: up to 5% at QD1 unpaced).
    var paceMicroseconds: UInt32 = 0
    /// `--answers`: no workload; the round asks the daemon `AnswerProbe`'s questions.
    var probeAnswers = false
}
