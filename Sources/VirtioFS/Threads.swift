import Glibc

/// Plain POSIX threads and semaphores for the queue workers and the pool. Foundation's Thread and
/// DispatchSemaphore did the same job but linked Foundation (and ICU) into straitd: about 10 MB
/// of resident memory for a daemon that otherwise needs a few.
enum PosixThread {
    /// Starts a detached thread running `body`; `name` (15 bytes at most) shows in top and gdb.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Body(name: name, body)).toOpaque()
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        // Workers never recurse deeply; 512 KiB of address space each instead of 8 MiB.
        pthread_attr_setstacksize(&attributes, 512 * 1024)
        let result = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    private final class Body: Sendable {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, _ body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }

        func run() {
            setName()
            body()
        }

        /// pthread_setname_np is not in Swift's Glibc; the comm file does the same (best effort:
        /// inside a sandbox without /proc the thread keeps the process name).
        private func setName() {
            let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            let bytes = Array(name.utf8.prefix(15))
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
    }
}

/// A counting semaphore over glibc's sem_t: `signal` makes a system call only when a thread
/// is actually asleep in `wait` (futex based), so a busy pool hands work over without one.
final class Semaphore: @unchecked Sendable {
    private let sem: UnsafeMutablePointer<sem_t>

    init(value: UInt32 = 0) {
        sem = .allocate(capacity: 1)
        sem_init(sem, 0, value)
    }

    deinit {
        sem_destroy(sem)
        sem.deallocate()
    }

    func signal() { sem_post(sem) }

    func wait() {
        while sem_wait(sem) != 0 && errno == EINTR {}
    }
}

/// Monotonic seconds, for deadlines (no Foundation Date).
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Monotonic nanoseconds, for the poll window.
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

