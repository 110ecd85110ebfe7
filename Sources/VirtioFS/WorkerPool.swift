import Foundation
import Synchronization

/// A fixed set of threads taking jobs in FIFO order (virtiofsd's thread pool, without its
/// per-request allocation): jobs are closures, threads park on a semaphore when idle.
final class WorkerPool: @unchecked Sendable {
    private let jobs = Mutex(JobQueue())
    private let available = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    let threadCount: Int

    init(threads: Int, name: String) {
        threadCount = max(1, threads)
        for i in 0..<threadCount {
            let thread = Thread { [self] in work() }
            thread.name = "\(name)-\(i)"
            thread.start()
        }
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { $0.push(job) }
        available.signal()
    }

    /// Lets queued jobs finish, then ends the threads.
    func shutdown() {
        stopping.store(true, ordering: .releasing)
        for _ in 0..<threadCount { available.signal() }
        for _ in 0..<threadCount { finished.wait() }
    }

    private func work() {
        while true {
            available.wait()
            let job = jobs.withLock { $0.pop() }
            if let job { job(); continue }
            if stopping.load(ordering: .acquiring) { break }
        }
        finished.signal()
    }
}

/// FIFO of jobs with O(1) push and pop: a growing array read from a moving head, compacted
/// once the consumed prefix dominates.
struct JobQueue {
    private var items: [(@Sendable () -> Void)?] = []
    private var head = 0

    mutating func push(_ job: @escaping @Sendable () -> Void) { items.append(job) }

    mutating func pop() -> (@Sendable () -> Void)? {
        guard head < items.count else { return nil }
        let job = items[head]
        items[head] = nil
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return job
    }
}
