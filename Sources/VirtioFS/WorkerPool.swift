import Posix
import Synchronization
import VhostUser

/// A fixed set of threads taking jobs in FIFO order (virtiofsd's thread pool, without its
/// per-request allocation): a job is a chain and the worker that completes it, stored inline
/// in a ring buffer; threads park on a semaphore when idle.
final class WorkerPool: Sendable {
    struct Job {
        let worker: QueueWorker
        let chain: DescriptorChain
    }

    private let jobs = Mutex(JobQueue())
    private let available = Semaphore()
    private let stopping = Atomic<Bool>(false)
    private let finished = Semaphore()
    /// Threads started (counted while init starts them; they never read it).
    private let started = Atomic<Int>(0)
    var threadCount: Int { started.load(ordering: .relaxed) }

    init(threads: Int, name: String) {
        for i in 0..<max(1, threads) {
            if PosixThread.start(name: "\(name)-\(i)", { [self] in work() }) { started.add(1, ordering: .relaxed) }
        }
    }

    /// Queues `job`; runs it on the caller when no pool thread could be started.
    func submit(_ job: Job) {
        guard threadCount > 0 else { return job.worker.process(job.chain) }
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
            if let job = jobs.withLock({ $0.pop() }) {
                job.worker.process(job.chain)
                continue
            }
            if stopping.load(ordering: .acquiring) { break }
        }
        finished.signal()
    }
}

/// FIFO of jobs with O(1) push and pop: a ring buffer that doubles when full.
struct JobQueue {
    private var items: [WorkerPool.Job?] = Array(repeating: nil, count: 64)
    private var head = 0
    private var count = 0

    mutating func push(_ job: WorkerPool.Job) {
        if count == items.count {
            // Unroll into a buffer twice the size, oldest first.
            items = (0..<count).map { items[(head + $0) % items.count] }
                + Array(repeating: nil, count: count)
            head = 0
        }
        items[(head + count) % items.count] = job
        count += 1
    }

    mutating func pop() -> WorkerPool.Job? {
        guard count > 0 else { return nil }
        defer {
            items[head] = nil
            head = (head + 1) % items.count
            count -= 1
        }
        return items[head]
    }
}
