/// What a queue thread does between serving the last request it found and sleeping (`--poll`).
/// A sleeping thread costs the guest a wakeup per request (an eventfd write, a futex wake, a
/// context switch; ~80 us on a busy nested host): a thread that keeps checking its ring for a
/// while catches a fast guest's next request without it, and the guest need not kick either.
public enum PollMode: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// Sleep as soon as the ring is empty (both virtiofsd).
    case off
    /// Spin a fixed `fixedWindowNanoseconds` before every sleep, whatever it costs.
    case on
    /// Spin a window tuned from this host's measured wakeup cost and how often spinning caught
    /// a request (`PollTuner`), and not at all while the host's cores are all busy.
    case adaptive

    /// `on`'s window: 50 us, the fixed window that once cost a third of QD1 throughput on a
    /// 2-core machine with ~9 us wakeups (issue 11); kept as the comparison point.
    public static let fixedWindowNanoseconds: UInt64 = 50_000

    public var description: String { rawValue }
}
