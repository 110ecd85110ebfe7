import FUSE
import Glibc
import Posix
import Synchronization
import VhostUser
import VhostUserDriver

/// A workload the daemon does not implement (e.g. DAX on virtiofsd): reported, not failed.
struct Unsupported: Error, CustomStringConvertible {
    let description: String
}

/// Per-lane state: a lane issues one operation at a time, from the completion thread of its
/// queue, so nothing here is shared between threads at once (hence @unchecked: the compiler
/// cannot see that one-at-a-time hand-off).
final class Lane: @unchecked Sendable {
    let index: Int
    let queue: Int
    var rng: SplitMix64
    var sequence: UInt64 = 0
    var payload: GuestBuffer?
    var daxChunk: UInt64?
    var scratch: UnsafeMutableRawBufferPointer

    init(index: Int, queue: Int, seed: UInt64) {
        self.index = index
        self.queue = queue
        rng = SplitMix64.lane(seed: seed, index: index)
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 4096)
    }

    deinit { scratch.deallocate() }
}

/// Drives one workload through a `FuseClient` with `queueDepth` operations in flight: each
/// lane's completion issues its next operation, until the deadline.
/// @unchecked: the handles are set up before any lane starts and only read afterwards; per-lane
/// state lives in `Lane`, the tally in `LoadRecorder`.
final class FuseLoad: @unchecked Sendable {
    let client: FuseClient
    let params: RunParameters
    let root = FuseProtocol.rootID
    var target: UInt64 = 0
    var data: UInt64 = 0
    var dataHandle: UInt64 = 0
    var dir: UInt64 = 0
    var dirHandle: UInt64 = 0
    var lanes: [Lane] = []
    /// Operations in flight: the requested queue depth, or what the guest model allows.
    var depth: Int
    let sequential = Atomic<UInt64>(0)
    let lookups = Atomic<UInt64>(0)
    /// The shared directory on the host (meta workloads prepare and clean up there).
    let sharedRoot: String
    /// This round's number in the process: names the meta workloads' scratch directory.
    let tag: Int
    /// The meta workloads' directory for this round, and its node.
    var scratch: UInt64 = 0
    /// Operations this round can do at most (meta-rm: the directories made for it).
    var operationLimit: UInt64?
    private static let rounds = Atomic<Int>(0)

    init(client: FuseClient, params: RunParameters, sharedRoot: String = "") {
        self.client = client
        self.params = params
        self.sharedRoot = sharedRoot
        tag = Self.rounds.wrappingAdd(1, ordering: .relaxed).oldValue
        depth = params.queueDepth
    }

    /// Lookups and opens the workload needs, lane buffers, and a DAX probe.
    func prepare() throws {
        target = try client.lookup(parent: root, name: Dataset.statTarget).nodeid
        data = try client.lookup(parent: root, name: Dataset.dataFile).nodeid
        dataHandle = try client.open(node: data, flags: O_RDWR).fh
        dir = try client.lookup(parent: root, name: Dataset.directory).nodeid
        dirHandle = try client.opendir(node: dir).fh
        let queues = max(client.frontend.requestQueueCount, 1)
        let cpus = max(params.cpus, 1)
        for i in 0..<depth {
            // Lane i stands for a guest thread on CPU i % cpus, which sends on that CPU's queue.
            let queue = 1 + LinuxQueueMap.requestQueue(cpu: i % cpus, cpus: cpus, queues: queues)
            let lane = Lane(index: i, queue: queue, seed: params.seed)
            if params.workload.isWrite {
                let b = try client.allocator.allocate(params.workload.blockSize, alignment: 4096)
                try client.memory.write([UInt8](repeating: UInt8(truncatingIfNeeded: i + 1), count: params.workload.blockSize), at: b.gpa)
                lane.payload = b
            }
            if params.workload == .metaCreate {
                let b = try client.allocator.allocate(4096, alignment: 4096)
                try client.memory.write(Self.metaContent, at: b.gpa)
                lane.payload = b
            }
            lanes.append(lane)
        }
        if params.workload == .metaCreate || params.workload == .metaRm {
            let path = sharedRoot + "/" + scratchName
            guard !sharedRoot.isEmpty, mkdir(path, 0o755) == 0 else { throw DriverError.system("mkdir \(path)") }
            if params.workload == .metaRm {
                // One directory per operation; a timed round gets what 12k operations a second
                // over its warm-up and measured time need (more than any daemon did here: each
                // operation is nine round trips) and ends early if they run out.
                let count = params.requests ?? UInt64((params.seconds + params.warmup) * 12_000)
                try makeRemovalTrees(count: count, in: path)
                operationLimit = count
            }
            scratch = try client.lookup(parent: root, name: scratchName).nodeid
        }
        if params.workload == .daxRead4k {
            guard let window = client.frontend.dax else {
                throw Unsupported(description: "no DAX window: the daemon offers no SHMEM (straitd needs --dax-window=SIZE --tag=TAG)")
            }
            guard window.size >= UInt64(lanes.count) * Workload.daxChunk else {
                throw Unsupported(description: "a \(window.size)-byte DAX window holds fewer than the \(lanes.count) 2 MiB slots of qd \(lanes.count)")
            }
            let probe = Result { () throws(DriverError) in
                try client.setupMapping(node: data, handle: dataHandle, fileOffset: 0, length: Workload.daxChunk, windowOffset: 0)
                try client.removeMapping(node: data, ranges: [(windowOffset: 0, length: Workload.daxChunk)])
            }
            if case .failure(let e) = probe {
                if e.code == .fuse && (e.errno == ENOSYS || e.errno == EOPNOTSUPP) {
                    throw Unsupported(description: "SETUPMAPPING: \(e.message)")
                }
                throw e
            }
        }
    }

    func start(_ recorder: LoadRecorder) {
        for lane in lanes where recorder.laneStarted() {
            issue(lane, recorder)
        }
    }

    /// Issues the lane's next operation; on completion records it and continues.
    func issue(_ lane: Lane, _ recorder: LoadRecorder) {
        let start = monotonicNanoseconds()
        let bytes = params.workload.blockSize
        operation(lane) { [self] error in
            guard recorder.finished(startedAt: start, bytes: bytes, error: error) else { return }
            if params.paceMicroseconds > 0 { usleep(params.paceMicroseconds) }
            issue(lane, recorder)
        }
    }

    /// Sends a request; `next` runs with a successful reply, `done` ends the operation otherwise.
    func request(_ lane: Lane, _ opcode: FuseOpcode, _ node: UInt64, _ args: [UInt8], payload: [DriverQueue.Segment] = [],
                 capacity: Int, queue: Int? = nil, done: @escaping (String?) -> Void,
                 next: @escaping (FuseClient.ReplyView) -> Void) {
        do {
            try client.submit(opcode: opcode, nodeid: node, args: args, payload: payload, replyCapacity: capacity,
                              queue: queue ?? lane.queue) { result in
                switch result {
                case .failure(let e): done("\(opcode): \(e)")
                case .success(let v) where v.error != 0: done("\(opcode): \(String(cString: strerror(-v.error)))")
                case .success(let v): next(v)
                }
            }
        } catch {
            done("\(opcode): \(error)")
        }
    }

    func offset(_ lane: Lane) -> UInt64 {
        let bs = UInt64(max(params.workload.blockSize, 4096))
        let blocks = max(params.fileSize / bs, 1)
        if params.workload.isRandom { return lane.rng.below(blocks) * bs }
        return (sequential.wrappingAdd(1, ordering: .relaxed).oldValue % blocks) * bs
    }
}
