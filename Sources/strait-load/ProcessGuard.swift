import Glibc

/// Daemons strait-load has running, killed (whole process group) if strait-load itself is
/// interrupted, so no daemon outlives it. Plain memory because a signal handler reads it.
enum ProcessGuard {
    static let capacity = 16
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        p.initialize(repeating: 0, count: capacity)
        return p
    }()

    static func add(_ pid: pid_t) {
        for i in 0..<capacity where slots[i] == 0 { slots[i] = pid; return }
    }

    static func remove(_ pid: pid_t) {
        for i in 0..<capacity where slots[i] == pid { slots[i] = 0 }
    }

    /// SIGINT/SIGTERM/SIGHUP: kill every guarded group, then exit 130.
    static func install() {
        let handler: @convention(c) (Int32) -> Void = { _ in
            for i in 0..<ProcessGuard.capacity where ProcessGuard.slots[i] > 0 {
                kill(-ProcessGuard.slots[i], SIGKILL)
                kill(ProcessGuard.slots[i], SIGKILL)
            }
            _exit(130)
        }
        for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, handler) }
        signal(SIGPIPE, SIG_IGN)
    }
}
