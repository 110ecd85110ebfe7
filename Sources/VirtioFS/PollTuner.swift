/// The adaptive poll window of one queue thread. Spinning for a window after the ring runs dry
/// pays when the next request arrives within it: the thread saves a wakeup (`wakeup`, measured on
/// this host by `WakeupCost`) and the guest a kick. It is waste when requests come later. So:
///
/// - the window never exceeds `cap`, twice the wakeup cost: a guest that itself sleeps between
///   completions answers about one wakeup after ours, so a window of one wakeup would just miss
///   it, and past two the spin costs more CPU than the blocked wait it replaces (ski rental);
/// - after a sleep, the gap is known (spun + blocked): a request that came within reach of the
///   cap grows the window (x2, from `start`); one that came later shrinks it (/2, then 0) — KVM's
///   halt-polling rule;
/// - a hit late in the window grows it (the next may come just after);
/// - every `period` episodes the window must have paid: the wakeups its hits saved, counted at
///   `payoffFactor` wakeups each (the thread's wakeup and the guest's kick), against the
///   nanoseconds spun. A window that spun more than its hits saved is halved.
///
/// Core contention (more runnable threads than cores) is decided by the caller, which then does
/// not spin at all; the tuner keeps its state for when the cores free up.
struct PollTuner: Sendable, Equatable {
    let wakeup: UInt64
    let cap: UInt64
    let start: UInt64
    private(set) var window: UInt64

    /// Episodes (one spin, hit or not) per pay-off check.
    static let period = 32
    static let payoffFactor: UInt64 = 2
    /// Bounds of the cap, whatever the measured wakeup: below 2 us a wakeup is as cheap as the
    /// check loop; above 200 us the thread would hold a core for a fifth of a millisecond.
    static let minCap: UInt64 = 2_000
    static let maxCap: UInt64 = 200_000

    // Accounting of the current period.
    private(set) var episodes = 0
    private(set) var hits = 0
    private(set) var spun: UInt64 = 0

    init(wakeupNanoseconds: UInt64) {
        wakeup = wakeupNanoseconds
        cap = min(max(wakeupNanoseconds * 2, Self.minCap), Self.maxCap)
        start = max(cap / 8, 500)
        window = start
    }

    /// A request arrived `after` nanoseconds of spinning.
    mutating func hit(after: UInt64) {
        episodes += 1
        hits += 1
        spun += after
        if after > window / 2 { grow() }
        settle()
    }

    /// The window (`spunFor`, possibly 0) passed with no request; the thread then slept and was
    /// woken `blockedFor` nanoseconds later (by a kick, not a stop).
    mutating func missed(spunFor: UInt64, blockedFor: UInt64) {
        spun += spunFor
        if spunFor > 0 { episodes += 1 }
        if spunFor &+ blockedFor <= cap { grow() } else { shrink() }
        settle()
    }

    private mutating func grow() { window = window == 0 ? start : min(window * 2, cap) }

    private mutating func shrink() { window = window / 2 < start / 2 ? 0 : window / 2 }

    private mutating func settle() {
        guard episodes >= Self.period else { return }
        if UInt64(hits) * wakeup * Self.payoffFactor < spun { shrink() }
        episodes = 0
        hits = 0
        spun = 0
    }
}
