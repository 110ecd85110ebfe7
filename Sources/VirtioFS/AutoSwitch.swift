/// The auto-switch's decision (the 2021 virtio-fs experiments, plus a cost test): inline while
/// the ring's depth is at or below the threshold; above it, the pool, but only for requests
/// that take long enough to be worth a handoff. A handoff (futex wake, context switch, cold
/// cache on another core) costs a few microseconds; a cached getattr or 4 KiB read costs less,
/// and handing those off made auto-switch run at 0.53x of inline at QD16 (docs/benchmarks.md).
enum AutoSwitch {
    /// Requests whose moving-average service time is below this stay inline at any depth.
    static let handoffWorthNanoseconds: UInt64 = 20_000
    /// One sample never weighs more than this (a request stuck for seconds is not the norm).
    static let maxSampleNanoseconds: UInt64 = 10_000_000

    static func offload(depth: Int, threshold: Int, averageServiceNanoseconds: UInt64) -> Bool {
        depth > threshold && averageServiceNanoseconds >= handoffWorthNanoseconds
    }

    /// Moving average with weight 1/8 for the new sample, which counts at most 4x the average
    /// (and at least up to twice the handoff threshold). A service time is wall clock: a cheap
    /// request whose thread was preempted mid-way took milliseconds on a busy host, and one
    /// such sample used to lift a 2 us average past the threshold, sending the next ~25 requests
    /// to the pool (measured: 0.3-3% of 4 KiB writes at QD16 handed off, where the pool runs at
    /// 0.8x of inline). Requests that really turned slow still reach the pool, after 4 of them.
    static func average(_ old: UInt64, sample: UInt64) -> UInt64 {
        let cap = min(maxSampleNanoseconds, max(min(old, maxSampleNanoseconds) * 4, 2 * handoffWorthNanoseconds))
        return old - old / 8 + min(sample, cap) / 8
    }
}
