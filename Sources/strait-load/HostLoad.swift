import Glibc
import Histogram
import Posix
import Synchronization
import VhostUserDriver

/// The `host` pseudo-daemon: the same operations with plain syscalls on the shared directory,
/// synchronous threads (one per unit of depth, at most one per CPU), so every table shows the
/// physical limit.
struct HostLoad {
    let dataset: Dataset
    let params: RunParameters

    func run() throws -> RoundResult {
        let rootFD = open(dataset.shared, oPath | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw DriverError.system("open \(dataset.shared)") }
        // The meta workloads are a guest's request sequences (negative lookups, FORGETs, a
        // READDIRPLUS per directory); the host has no plain-syscall equivalent worth a row.
        if params.workload == .metaCreate || params.workload == .metaRm {
            close(rootFD)
            throw Unsupported(description: "\(params.workload.rawValue) is a guest's request sequence, no host equivalent")
        }
        defer { close(rootFD) }
        let t0 = monotonicNanoseconds()
        let measureFrom = t0 + UInt64(params.warmup * 1e9)
        let deadline = measureFrom + UInt64(params.seconds * 1e9)
        let sequential = SharedCounter()
        // Per-thread tallies, merged at the end: at a million ops/s a shared lock would be the
        // bottleneck and the baseline would understate the host.
        let cpus = max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
        let count = min(params.queueDepth, cpus)
        let tallies = (0..<count).map { _ in HostTally() }
        var threads: [JoinableThread] = []
        for i in 0..<count {
            // One synchronous thread per unit of depth, but no more threads than CPUs: beyond that
            // the host baseline measures oversubscription, not the file system.
            let worker = try HostWorker(index: i, rootFD: rootFD, dataset: dataset, params: params)
            let tally = tallies[i]
            let t = JoinableThread(name: "host-\(i)") {
                var rng = SplitMix64.lane(seed: params.seed, index: i)
                var s = LoadRecorder.State()
                var cpuFrom: UInt64?
                while true {
                    let start = monotonicNanoseconds()
                    if cpuFrom == nil, start >= measureFrom { cpuFrom = threadCPUNanoseconds() }
                    if let e = worker.operation(&rng, sequential) { s.error = e; break }
                    let now = monotonicNanoseconds()
                    if start >= measureFrom {
                        _ = s.histogram.record(max(now - start, 1))
                        s.ops += 1
                        s.bytes += UInt64(params.workload.blockSize)
                        s.lastCompletion = now
                    }
                    if now >= deadline { break }
                }
                let cpu = cpuFrom.map { threadCPUNanoseconds() - $0 } ?? 0
                tally.state.withLock { $0 = (s, cpu) }
            }
            try t.start()
            threads.append(t)
        }
        for t in threads { t.join() }
        var s = LoadRecorder.State()
        var cpuNanoseconds: UInt64 = 0
        for t in tallies {
            let (part, cpu) = t.state.withLock { $0 }
            cpuNanoseconds += cpu
            if let e = part.error { throw DriverError(.system, "host: \(e)") }
            s.histogram.add(part.histogram)
            s.ops += part.ops
            s.bytes += part.bytes
            s.lastCompletion = max(s.lastCompletion, part.lastCompletion)
        }
        let seconds = Double(max(s.lastCompletion, measureFrom) - measureFrom) / 1e9
        return RoundResult(ops: s.ops, seconds: seconds, bytes: s.bytes, latency: s.histogram, cpuSeconds: Double(cpuNanoseconds) / 1e9, peakRSSKiB: 0)
    }
}

/// One host thread's files and buffer. @unchecked: each worker belongs to the one host thread it
/// was made for (its buffer is a raw pointer, its counters mutable).
final class HostWorker: @unchecked Sendable {
    let index: Int
    let rootFD: Int32
    let params: RunParameters
    let dataFD: Int32
    let targetFD: Int32
    let dirFD: Int32
    let buffer: UnsafeMutableRawBufferPointer
    var sequence: UInt64 = 0
    var mapping: UnsafeMutableRawPointer?

    init(index: Int, rootFD: Int32, dataset: Dataset, params: RunParameters) throws {
        self.index = index
        self.rootFD = rootFD
        self.params = params
        dataFD = openat(rootFD, Dataset.dataFile, O_RDWR | O_CLOEXEC)
        targetFD = openat(rootFD, Dataset.statTarget, O_RDONLY | O_CLOEXEC)
        dirFD = openat(rootFD, Dataset.directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dataFD >= 0, targetFD >= 0, dirFD >= 0 else { throw DriverError.system("host: open dataset") }
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(params.workload.blockSize, 4096), alignment: 4096)
        buffer.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: index + 1))
        if params.workload == .daxRead4k {
            let p = mmap(nil, Int(params.fileSize), PROT_READ, MAP_SHARED, dataFD, 0)
            guard let p, p != MAP_FAILED else { throw DriverError.system("host: mmap data") }
            mapping = p
        }
    }

    deinit {
        close(dataFD); close(targetFD); close(dirFD)
        buffer.deallocate()
        if let m = mapping { munmap(m, Int(params.fileSize)) }
    }

    private func offset(_ rng: inout SplitMix64, _ sequential: SharedCounter) -> UInt64 {
        let bs = UInt64(max(params.workload.blockSize, 4096))
        let blocks = max(params.fileSize / bs, 1)
        if params.workload.isRandom { return rng.below(blocks) * bs }
        return (sequential.next() % blocks) * bs
    }

    /// One operation; nil on success, else what failed.
    func operation(_ rng: inout SplitMix64, _ sequential: SharedCounter) -> String? {
        var st = stat()
        switch params.workload {
        case .getattr:
            return fstat(targetFD, &st) == 0 ? nil : "fstat: \(errnoText())"
        case .lookup:
            let fd = openat(rootFD, Dataset.statTarget, oPath | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { return "openat: \(errnoText())" }
            defer { close(fd) }
            return fstat(fd, &st) == 0 ? nil : "fstat: \(errnoText())"
        case .createUnlink:
            sequence += 1
            let name = "cu-host-\(index)-\(sequence)"
            let fd = openat(rootFD, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return "create: \(errnoText())" }
            close(fd)
            return unlinkat(rootFD, name, 0) == 0 ? nil : "unlink: \(errnoText())"
        case .mkdirRmdir:
            sequence += 1
            let name = "md-host-\(index)-\(sequence)"
            guard mkdirat(rootFD, name, 0o755) == 0 else { return "mkdir: \(errnoText())" }
            return unlinkat(rootFD, name, AT_REMOVEDIR) == 0 ? nil : "rmdir: \(errnoText())"
        case .readdir:
            return listDirectory()
        case .read4k, .randread4k, .read1m:
            var iov = iovec(iov_base: buffer.baseAddress, iov_len: params.workload.blockSize)
            let n = preadv(dataFD, &iov, 1, off_t(offset(&rng, sequential)))
            return n == params.workload.blockSize ? nil : "preadv: \(n) \(errnoText())"
        case .write4k, .randwrite4k, .write1m:
            var iov = iovec(iov_base: buffer.baseAddress, iov_len: params.workload.blockSize)
            let n = pwritev(dataFD, &iov, 1, off_t(offset(&rng, sequential)))
            return n == params.workload.blockSize ? nil : "pwritev: \(n) \(errnoText())"
        case .metaCreate, .metaRm:
            return "\(params.workload.rawValue) has no host equivalent"
        case .daxRead4k:
            guard let m = mapping, let dst = buffer.baseAddress else { return "no mapping" }
            let off = offset(&rng, sequential)
            dst.copyMemory(from: m + Int(off), byteCount: 4096)
            return nil
        }
    }

    /// readdir plus a stat per entry: what READDIRPLUS does.
    private func listDirectory() -> String? {
        let fd = dup(dirFD)
        guard fd >= 0, let d = fdopendir(fd) else { return "fdopendir: \(errnoText())" }
        defer { closedir(d) }
        rewinddir(d)  // the dup shares the offset with every earlier listing
        var st = stat()
        var count = 0
        while let e = readdir(d) {
            let ok = withUnsafePointer(to: e.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: 256) { fstatat(dirfd(d), $0, &st, AT_SYMLINK_NOFOLLOW) == 0 }
            }
            if !ok { return "fstatat: \(errnoText())" }
            count += 1
        }
        return count > 0 ? nil : "empty directory"
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }

/// O_PATH (Glibc does not export it to Swift).
let oPath: Int32 = 0o10000000

/// One host thread's results and its CPU time over the measured window (its own thread's clock:
/// the syscalls' kernel side included, as a daemon's CPU column includes its own), handed over
/// once at the end.
final class HostTally: Sendable {
    let state = Mutex((LoadRecorder.State(), UInt64(0)))
}
