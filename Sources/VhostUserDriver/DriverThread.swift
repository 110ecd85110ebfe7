import Glibc

/// A joinable POSIX thread running a closure: the driver is thread-based, not async.
final class DriverThread: @unchecked Sendable {
    private var handle: pthread_t?
    private let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func start() throws(DriverError) {
        let box = Unmanaged.passRetained(self)
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { arg in
            guard let arg else { return nil }
            Unmanaged<DriverThread>.fromOpaque(arg).takeRetainedValue().body()
            return nil
        }, box.toOpaque())
        if rc != 0 {
            box.release()
            throw .system("pthread_create", errno: rc)
        }
        handle = t
    }

    func join() {
        if let t = handle { pthread_join(t, nil) }
        handle = nil
    }
}
