import Glibc
import Synchronization

/// Plain POSIX threads for both wings. Foundation's Thread and Dispatch did the same job but
/// linked Foundation (and ICU) into straitd: about 10 MB of resident memory for a daemon that
/// otherwise needs a few.
public enum PosixThread {
    /// Starts a detached thread running `body`; `name` (15 bytes at most) shows in top and gdb.
    /// `stackSize` defaults to 512 KiB of address space instead of 8 MiB (workers never recurse
    /// deeply). False when the thread could not be created.
    @discardableResult
    public static func start(name: String, stackSize: Int = 512 * 1024,
                             _ body: @escaping @Sendable () -> Void) -> Bool {
        create(name: name, stackSize: stackSize, detached: true, body) != nil
    }

    /// Creates a thread; returns its handle (already detached when `detached`), or nil.
    static func create(name: String?, stackSize: Int?, detached: Bool, _ body: @escaping @Sendable () -> Void) -> pthread_t? {
        let box = Unmanaged.passRetained(Body(name: name, body)).toOpaque()
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        if let stackSize { pthread_attr_setstacksize(&attributes, stackSize) }
        let result = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            errno = result
            return nil
        }
        if detached { pthread_detach(thread) }
        return thread
    }

    private final class Body: Sendable {
        let name: String?
        let body: @Sendable () -> Void
        init(name: String?, _ body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }

        func run() {
            if let name { setName(name) }
            body()
        }

        /// pthread_setname_np is not in Swift's Glibc; the comm file does the same (best effort:
        /// inside a sandbox without /proc the thread keeps the process name).
        private func setName(_ name: String) {
            let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            let bytes = Array(name.utf8.prefix(15))
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
    }
}

/// A joinable POSIX thread running a closure (the frontend and strait-load are thread based).
public final class JoinableThread: Sendable {
    private let body: @Sendable () -> Void
    private let name: String?
    /// The handle, once started; a Mutex so `start` and `join` may come from different threads.
    private let handle = Mutex<pthread_t?>(nil)

    public init(name: String? = nil, _ body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }

    /// Starts the thread (default stack size).
    public func start() throws(SystemCallError) {
        guard let t = PosixThread.create(name: name, stackSize: nil, detached: false, body) else {
            throw SystemCallError("pthread_create")
        }
        handle.withLock { $0 = t }
    }

    /// Waits for the thread to end; returns at once when it never started or was joined.
    public func join() {
        guard let t = handle.withLock({ h -> pthread_t? in defer { h = nil }; return h }) else { return }
        pthread_join(t, nil)
    }
}

/// A counting semaphore over glibc's sem_t: `signal` makes a system call only when a thread
/// is actually asleep in `wait` (futex based), so a busy pool hands work over without one.
/// `@unchecked`: sem_t is made for sharing between threads, but it is a C struct behind a
/// pointer, which the compiler cannot see as Sendable.
public final class Semaphore: @unchecked Sendable {
    private let sem: UnsafeMutablePointer<sem_t>

    public init(value: UInt32 = 0) {
        sem = .allocate(capacity: 1)
        sem_init(sem, 0, value)
    }

    deinit {
        sem_destroy(sem)
        sem.deallocate()
    }

    public func signal() { sem_post(sem) }

    public func wait() {
        while sem_wait(sem) != 0 && errno == EINTR {}
    }

    /// Waits up to `seconds`; false on timeout.
    public func wait(timeout seconds: Double) -> Bool {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let total = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 + max(seconds, 0)
        ts.tv_sec = Int(total)
        ts.tv_nsec = Int((total - Double(Int(total))) * 1e9)
        while true {
            if sem_timedwait(sem, &ts) == 0 { return true }
            if errno != EINTR { return false }
        }
    }
}
