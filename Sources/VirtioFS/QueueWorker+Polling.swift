import Posix

extension QueueWorker {
    /// One queue thread's polling state: the window its mode allows after each drain, the
    /// adaptive tuner and what it is told, the core-contention check, and the counters of the
    /// line logged when the ring stops. Queue thread only.
    struct Polling {
        let host: PollHost?
        private(set) var tuner: PollTuner?
        /// The spin before the coming sleep (0: none), reported to the tuner on wakeup.
        private var spinBeforeSleep: UInt64 = 0
        /// Whether the coming sleep tells the tuner anything (not while the cores were busy).
        private var tunerListens = false
        private var contended = false
        private var checkedAt: UInt64 = 0

        private(set) var spins = 0
        private(set) var hits = 0
        private(set) var spunNanoseconds: UInt64 = 0
        private(set) var sleeps = 0
        private(set) var skippedBusy = 0

        /// How often the run queue is looked at (a pread of /proc/loadavg, a few microseconds).
        static let contentionCheckNanoseconds: UInt64 = 10_000_000

        init(host: PollHost?) {
            self.host = host
            if let host, host.mode == .adaptive { tuner = PollTuner(wakeupNanoseconds: host.wakeupNanoseconds) }
        }

        /// The window to spin now, the ring being empty.
        mutating func window() -> UInt64 {
            spinBeforeSleep = 0
            tunerListens = false
            guard let host else { return 0 }
            switch host.mode {
            case .off: return 0
            case .on: return PollMode.fixedWindowNanoseconds
            case .adaptive:
                let now = monotonicNanoseconds()
                if now &- checkedAt >= Self.contentionCheckNanoseconds {
                    contended = host.coresBusy()
                    checkedAt = now
                }
                if contended {
                    skippedBusy += 1
                    return 0
                }
                tunerListens = true
                return tuner?.window ?? 0
            }
        }

        /// After a spin of up to `window`: `spent` is when a request arrived, nil if none did.
        /// True when one did (serve it).
        mutating func spun(_ spent: UInt64?, window: UInt64) -> Bool {
            spins += 1
            guard let spent else {
                spunNanoseconds += window
                spinBeforeSleep = window
                return false
            }
            hits += 1
            spunNanoseconds += spent
            if tunerListens { tuner?.hit(after: spent) }
            tunerListens = false
            return true
        }

        /// A request arrived between the end of the spin and the kick being armed: a window
        /// just too short (no sleep follows).
        mutating func arrivedWhileArming() {
            if tunerListens { tuner?.missed(spunFor: spinBeforeSleep, blockedFor: 0) }
            tunerListens = false
        }

        /// The thread slept `blockedFor` nanoseconds before a kick woke it.
        mutating func woke(blockedFor: UInt64) {
            sleeps += 1
            if tunerListens { tuner?.missed(spunFor: spinBeforeSleep, blockedFor: blockedFor) }
            tunerListens = false
        }

        var summary: String {
            var text = "polling \(host?.mode.description ?? "off")"
            if let host, host.mode == .adaptive {
                text += " (wakeup \(host.wakeupNanoseconds / 1000) us, window now \((tuner?.window ?? 0) / 1000) us, "
                    + "skipped \(skippedBusy) times with the \(host.cores) cores busy)"
            }
            return text + ": \(spins) spins, \(hits) caught a request, \(spunNanoseconds / 1_000_000) ms spun, \(sleeps) sleeps"
        }
    }
}
