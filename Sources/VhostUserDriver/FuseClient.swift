import FUSE
import Glibc
import Posix
import Synchronization
import VhostUser

/// Plays the guest's virtio-fs driver over a `VhostUserFrontend`: FUSE requests go out as
/// descriptor chains laid out like the Linux driver's (in header, arguments, payload; out header,
/// reply), many in flight across the request queues, completed by one thread per queue that
/// waits on the call eventfd (or polls the used ring). Thread-based; no async.
/// @unchecked: `threads` and `session` are written by the owner during init and INIT, before any
/// request is in flight; everything the completion threads share sits in Mutexes and atomics.
public final class FuseClient: @unchecked Sendable {
    /// A reply while its buffer is still in guest memory: valid only inside the completion
    /// callback (benchmarks read it in place; `Reply` copies it out).
    public struct ReplyView {
        public let error: Int32
        public let unique: UInt64
        /// Bytes the daemon wrote after the out header (from the out header's len).
        public let body: UnsafeRawBufferPointer
        /// Bytes the used ring says the device wrote (header included).
        public let written: UInt32
    }

    /// A reply copied out of guest memory.
    public struct Reply: Sendable {
        public let error: Int32
        public let unique: UInt64
        public let body: [UInt8]
    }

    public typealias Completion = (Result<ReplyView, DriverError>) -> Void

    /// @unchecked: the completion closure is not @Sendable, but it is handed from the submitter to
    /// the completion thread through the queue's Mutex and called once there.
    final class Pending: @unchecked Sendable {
        let opcode: UInt32
        let request: GuestBuffer?
        let reply: GuestBuffer?
        let replyCapacity: Int
        let completion: Completion
        init(opcode: UInt32, request: GuestBuffer?, reply: GuestBuffer?, replyCapacity: Int, completion: @escaping Completion) {
            self.opcode = opcode
            self.request = request
            self.reply = reply
            self.replyCapacity = replyCapacity
            self.completion = completion
        }
    }

    public let frontend: VhostUserFrontend
    public let memory: GuestMemoryImage
    public let allocator: GuestAllocator
    let pending: [PendingTable]
    private let nextUnique = Atomic<UInt64>(1)
    private let nextQueue = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    var stoppingFlag: Bool { stopping.load(ordering: .relaxed) }
    private var threads: [JoinableThread] = []
    /// Set by INIT: the daemon's negotiated session.
    public internal(set) var session: FUSE.FuseSession?
    /// Seconds a blocking call waits before calling the daemon stuck.
    public var callTimeout: Double = 30

    public init(frontend: VhostUserFrontend) throws(DriverError) {
        self.frontend = frontend
        memory = frontend.memory
        allocator = frontend.allocator
        pending = frontend.queues.map { _ in PendingTable() }
        for q in frontend.queues {
            let t = JoinableThread(name: "completion") { [unowned self] in self.completionLoop(q) }
            do { try t.start() } catch { throw DriverError(.system, "completion thread", cause: error) }
            threads.append(t)
        }
    }

    deinit { close() }

    /// Stops the completion threads, fails what is still in flight, and closes the frontend.
    /// Call it: the completion threads hold the client, so it is not freed (nor the daemon
    /// disconnected) before.
    public func close() {
        if stopping.exchange(true, ordering: .acquiringAndReleasing) { return }
        for t in threads { t.join() }
        threads = []
        for p in pending {
            let left = p.withLock { d in defer { d = [:] }; return Array(d.values) }
            for item in left {
                item.completion(.failure(DriverError(.disconnected, "client closed with the request in flight")))
                free(item)
            }
        }
        frontend.close()
    }

    /// Picks a request queue round-robin (never hiprio).
    public func requestQueue() -> Int {
        let n = frontend.requestQueueCount
        return 1 + nextQueue.wrappingAdd(1, ordering: .relaxed).oldValue % max(n, 1)
    }

    /// Sends one request. `args` follow the in header in guest memory; `payload` segments (already
    /// in guest memory, e.g. a write's data) follow them without copying. The completion runs on
    /// the queue's completion thread.
    /// Publishes hand-written descriptors on `queue` (see `DriverQueue.submitRaw`); the completion
    /// gets an empty body and the used ring's byte count. Returns false if the indices are busy.
    public func submitRaw(queue: Int, descriptors: [RawDescriptor], head: UInt16,
                          completion: @escaping Completion) throws(DriverError) -> Bool {
        guard queue >= 0, queue < frontend.queues.count else {
            throw DriverError(.protocolViolation, "queue \(queue) is not configured")
        }
        let unique = nextUnique.wrappingAdd(1, ordering: .relaxed).oldValue
        let item = Pending(opcode: 0, request: nil, reply: nil, replyCapacity: 0, completion: completion)
        pending[queue].withLock { $0[unique] = item }
        let ok = try frontend.queues[queue].submitRaw(descriptors, head: head, token: unique)
        if !ok { _ = pending[queue].withLock { $0.removeValue(forKey: unique) } }
        return ok
    }

    public func submit(opcode: FuseOpcode, nodeid: UInt64, args: [UInt8] = [], payload: [DriverQueue.Segment] = [],
                       replyCapacity: Int, queue: Int? = nil, completion: @escaping Completion) throws(DriverError) {
        let q = queue ?? (opcode.hasNoReply ? 0 : requestQueue())
        guard q >= 0, q < frontend.queues.count else {
            throw DriverError(.protocolViolation, "queue \(q) is not configured")
        }
        let unique = nextUnique.wrappingAdd(1, ordering: .relaxed).oldValue
        let payloadBytes = payload.reduce(0) { $0 + Int($1.length) }
        var w = ByteWriter(capacity: FuseInHeader.size + args.count)
        FuseInHeader(len: UInt32(FuseInHeader.size + args.count + payloadBytes), opcode: opcode.rawValue,
                     unique: unique, nodeid: nodeid, uid: getuid(), gid: getgid(), pid: UInt32(getpid()))
            .encode(into: &w)
        w.write(bytes: args)
        let request = try allocator.allocate(w.count)
        var reply: GuestBuffer?
        do throws(DriverError) {
            try memory.write(w.bytes, at: request.gpa)
            if !opcode.hasNoReply { reply = try allocator.allocate(FuseOutHeader.size + replyCapacity) }
        } catch {
            allocator.free(request)
            throw error
        }
        var readable = [DriverQueue.Segment(gpa: request.gpa, length: UInt32(FuseInHeader.size))]
        if !args.isEmpty {
            readable.append(DriverQueue.Segment(gpa: request.gpa + UInt64(FuseInHeader.size), length: UInt32(args.count)))
        }
        readable += payload
        var writable: [DriverQueue.Segment] = []
        if let reply {
            writable.append(DriverQueue.Segment(gpa: reply.gpa, length: UInt32(FuseOutHeader.size)))
            if replyCapacity > 0 {
                writable.append(DriverQueue.Segment(gpa: reply.gpa + UInt64(FuseOutHeader.size), length: UInt32(replyCapacity)))
            }
        }
        let item = Pending(opcode: opcode.rawValue, request: request, reply: reply, replyCapacity: replyCapacity, completion: completion)
        pending[q].withLock { $0[unique] = item }
        let queueObject = frontend.queues[q]
        do throws(DriverError) {
            while try !queueObject.submit(readable: readable, writable: writable, token: unique) {
                guard !stopping.load(ordering: .relaxed) else {
                    throw DriverError(.disconnected, "client is closing")
                }
                usleep(20)
            }
        } catch {
            _ = pending[q].withLock { $0.removeValue(forKey: unique) }
            free(item)
            throw error
        }
    }

    /// Sends one request and waits for its reply, copied out of guest memory.
    public func call(opcode: FuseOpcode, nodeid: UInt64, args: [UInt8] = [], payload: [DriverQueue.Segment] = [],
                     replyCapacity: Int, queue: Int? = nil) throws(DriverError) -> Reply {
        let done = Semaphore()
        let box = Mutex<Result<Reply, DriverError>?>(nil)
        try submit(opcode: opcode, nodeid: nodeid, args: args, payload: payload, replyCapacity: replyCapacity, queue: queue) { result in
            let copied = result.map { Reply(error: $0.error, unique: $0.unique, body: [UInt8]($0.body)) }
            box.withLock { $0 = copied }
            done.signal()
        }
        if !done.wait(timeout: callTimeout) {
            throw DriverError(.timeout, "no reply to \(opcode) within \(callTimeout) s")
        }
        guard let result = box.withLock({ $0 }) else { throw DriverError(.timeout, "no reply to \(opcode)") }
        return try result.get()
    }

    func free(_ item: Pending) {
        if let r = item.request { allocator.free(r) }
        if let r = item.reply { allocator.free(r) }
    }
}

/// In-flight requests of one queue, by unique.
final class PendingTable: Sendable {
    private let table = Mutex<[UInt64: FuseClient.Pending]>([:])
    func withLock<R>(_ body: (inout [UInt64: FuseClient.Pending]) -> R) -> R {
        table.withLock { body(&$0) }
    }
}
