import CShims
import Glibc
import Posix
import Synchronization
import VhostUser

/// What adaptive polling needs to know about the host, gathered before the sandbox closes
/// /proc: what a wakeup costs here, and a handle on the run queue to see whether a spinning
/// queue thread would take a core someone else is waiting for.
public final class PollHost: Sendable {
    public let mode: PollMode
    /// One eventfd wakeup of a sleeping thread on this host, ns (median of a ping-pong); 0 unless adaptive.
    public let wakeupNanoseconds: UInt64
    /// Online CPUs.
    public let cores: Int
    /// /proc/loadavg, kept open through the sandbox; -1 when unreadable (contention then unknown).
    private let loadavg: Int32

    public init(mode: PollMode) {
        self.mode = mode
        cores = max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
        if mode == .adaptive {
            wakeupNanoseconds = WakeupCost.measure()
            loadavg = open("/proc/loadavg", O_RDONLY | O_CLOEXEC)
        } else {
            wakeupNanoseconds = 0
            loadavg = -1
        }
    }

    deinit { if loadavg >= 0 { close(loadavg) } }

    /// Threads runnable on the whole host right now, the caller included (the kernel's
    /// nr_running, /proc/loadavg's fourth field before the slash); nil when unknown.
    func runnableThreads() -> Int? {
        guard loadavg >= 0 else { return nil }
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &buffer) { raw -> Int? in
            let n = pread(loadavg, raw.baseAddress, raw.count, 0)
            guard n > 0 else { return nil }
            return Self.parseRunnable(UnsafeRawBufferPointer(rebasing: raw[..<n]))
        }
    }

    /// "0.52 0.58 0.59 2/345 12345": the number before the slash.
    static func parseRunnable(_ text: UnsafeRawBufferPointer) -> Int? {
        var fields = 0
        var value = 0
        var digits = 0
        var previous: UInt8 = 32
        for byte in text {
            if byte == 32 && previous != 32 { fields += 1 }
            previous = byte
            guard fields == 3 else { continue }
            if byte == UInt8(ascii: "/") { return digits > 0 ? value : nil }
            guard byte >= 48 && byte <= 57 else { continue }
            value = value * 10 + Int(byte - 48)
            digits += 1
        }
        return nil
    }

    /// Whether a thread spinning now would keep a runnable thread off a core.
    func coresBusy() -> Bool {
        guard let runnable = runnableThreads() else { return false }
        return runnable > cores
    }
}

/// Measures what waking a thread blocked in poll(2) on an eventfd costs on this host: a thread
/// echoes eventfd writes; half the round trip's median is one wakeup. The two threads are pinned
/// to different CPUs when there are two: the guest's kick comes from another CPU (a vCPU), and a
/// wakeup on the same CPU is a bare context switch that would make the window far too short.
enum WakeupCost {
    static func measure(rounds: Int = 33) -> UInt64 {
        let ping = strait_eventfd(0, Int32(EFD_CLOEXEC))
        let pong = strait_eventfd(0, Int32(EFD_CLOEXEC))
        defer { if ping >= 0 { close(ping) }; if pong >= 0 { close(pong) } }
        guard ping >= 0, pong >= 0 else { return fallback }
        let first = strait_allowed_cpu(0)
        let second = strait_allowed_cpu(1)
        let pinned = first >= 0 && second >= 0
        let echo = JoinableThread(name: "straitd-wake") {
            if pinned { _ = strait_pin_thread(second) }
            while true {
                guard waitAndRead(ping) != 0 else { return }
                var one: UInt64 = 1
                _ = write(pong, &one, 8)
            }
        }
        let samples = Mutex<[UInt64]>([])
        // The measuring side runs on a thread of its own too, so the caller's affinity is untouched.
        let measurer = JoinableThread(name: "straitd-wake") {
            if pinned { _ = strait_pin_thread(first) }
            var local: [UInt64] = []
            for round in 0..<(rounds + 3) {
                let t0 = monotonicNanoseconds()
                var one: UInt64 = 1
                _ = write(ping, &one, 8)
                _ = waitAndRead(pong)
                if round >= 3 { local.append((monotonicNanoseconds() &- t0) / 2) }  // 3 warm-up rounds
            }
            samples.withLock { $0 = local }
        }
        do { try echo.start() } catch { return fallback }
        do { try measurer.start() } catch {
            var stop = stopValue
            _ = write(ping, &stop, 8)
            echo.join()
            return fallback
        }
        measurer.join()
        // The echo ends when it reads a count no round trip can reach.
        var stop = stopValue
        _ = write(ping, &stop, 8)
        echo.join()
        let sorted = samples.withLock { $0 }.sorted()
        return sorted.isEmpty ? fallback : sorted[sorted.count / 2]
    }

    /// When nothing could be measured: a typical bare-metal wakeup.
    static let fallback: UInt64 = 10_000
    private static let stopValue: UInt64 = 1 << 40

    /// poll(2) then read, as a queue thread waits for its kick; 0 for the stop value.
    private static func waitAndRead(_ fd: Int32) -> UInt64 {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, -1) < 0 && errno == EINTR {}
        var value: UInt64 = 0
        _ = read(fd, &value, 8)
        return value >= stopValue ? 0 : value
    }
}
