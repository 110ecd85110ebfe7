import Glibc
import Posix
import Testing

/// The thread CPU clock is what strait-load's host pseudo-daemon reports as its CPU per
/// operation: it must count the calling thread's work and not its sleep.
@Suite struct ClockTests {
    @Test func threadCPUCountsWorkNotSleep() {
        let c0 = threadCPUNanoseconds()
        sleep(seconds: 0.2)
        let slept = threadCPUNanoseconds() - c0
        #expect(slept < 50_000_000, "200 ms asleep cost \(slept) ns of CPU")

        // Busy until the thread itself has run 20 ms (however busy the machine is), bounded by
        // 10 s of wall clock so a clock that never moves fails instead of hanging.
        let c1 = threadCPUNanoseconds()
        let limit = monotonicNanoseconds() + 10_000_000_000
        var spins: UInt64 = 0
        while threadCPUNanoseconds() - c1 < 20_000_000, monotonicNanoseconds() < limit { spins &+= 1 }
        #expect(threadCPUNanoseconds() - c1 >= 20_000_000, "the thread CPU clock did not advance while busy")
        #expect(spins > 0)
    }
}
