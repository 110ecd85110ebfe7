import FUSE
import Glibc
import Logging
import Passthrough
import Synchronization
import Testing

@testable import VirtioFS

/// Drives a FuseDispatcher with in-memory guest buffers against a real temporary directory,
/// laid out like the Linux virtio-fs driver does: in header and each argument in separate
/// readable segments, out header in its own writable segment.
final class DispatcherHarness {
    let root: String
    let fs: PassthroughFS
    let dispatcher: FuseDispatcher
    var unique: UInt64 = 1

    init(config: (inout PassthroughConfig) -> Void = { _ in }, dax: DaxWindow? = nil, initialize: Bool = true) throws {
        var template = Array("/tmp/strait-dispatcher-XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ p in p.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw FSError(errno: errno, message: "mkdtemp")
        }
        root = String(cString: dir)
        var c = PassthroughConfig(root: root)
        config(&c)
        fs = try PassthroughFS(config: c)
        dispatcher = FuseDispatcher(fs: fs, config: c, dax: dax, logger: Logger(label: "test"))
        if initialize {
            let reply = send(.`init`, args: [FuseInitIn(major: 7, minor: 38, maxReadahead: 1 << 17,
                                                        flags: 0xFFFF_FFFF, flags2: 0).bytes])
            #expect(reply.error == 0)
        }
    }

    deinit {
        _ = try? run("rm -rf '\(root)'")
    }

    struct Reply {
        var header: FuseOutHeader?
        var body: [UInt8]
        var written: UInt32
        var error: Int32 { header?.error ?? Int32.min }
    }

    /// Sends a request and waits for its completion (up to `timeout` seconds).
    @discardableResult
    func send(_ opcode: FuseOpcode, node: UInt64 = 1, args: [[UInt8]] = [], writable: [Int] = [16, 1 << 17],
              timeout: Double = 5, uniqueOverride: UInt64? = nil) -> Reply {
        let id = uniqueOverride ?? next()
        let len = FuseInHeader.size + args.reduce(0) { $0 + $1.count }
        let header = FuseInHeader(len: UInt32(len), opcode: opcode.rawValue, unique: id, nodeid: node, uid: 0, gid: 0, pid: 1)
        return sendRaw([header.bytes] + args, writable: writable, timeout: timeout)
    }

    func next() -> UInt64 {
        unique += 1
        return unique
    }

    /// Sends arbitrary readable segments; nothing about them has to be valid.
    func sendRaw(_ segments: [[UInt8]], writable: [Int] = [16, 1 << 17], timeout: Double = 5) -> Reply {
        let pending = start(segments, writable: writable)
        return pending.wait(timeout: timeout)
    }

    func start(_ segments: [[UInt8]], writable: [Int] = [16, 1 << 17]) -> Pending {
        let p = Pending(segments, writable)
        dispatcher.handle(p.buffers) { n in p.done(n) }
        return p
    }

    func startRequest(_ opcode: FuseOpcode, node: UInt64 = 1, args: [[UInt8]], unique id: UInt64) -> Pending {
        let len = FuseInHeader.size + args.reduce(0) { $0 + $1.count }
        let header = FuseInHeader(len: UInt32(len), opcode: opcode.rawValue, unique: id, nodeid: node, uid: 0, gid: 0, pid: 1)
        return start([header.bytes] + args, writable: [16, 4096])
    }

    // MARK: - Conveniences

    func lookup(_ name: String, in parent: UInt64 = 1) -> (Reply, FuseEntryOut?) {
        let r = send(.lookup, node: parent, args: [cstr(name)])
        return (r, try? FuseEntryOut(bytes: r.body))
    }

    func create(_ name: String, in parent: UInt64 = 1, mode: UInt32 = 0o644, flags: Int32 = O_RDWR) -> (node: UInt64, fh: UInt64)? {
        let r = send(.create, node: parent, args: [FuseCreateIn(flags: UInt32(bitPattern: flags | O_CREAT), mode: 0o100000 | mode).bytes, cstr(name)])
        guard r.error == 0, r.body.count == FuseEntryOut.size + FuseOpenOut.size,
              let e = try? FuseEntryOut(bytes: r.body),
              let o = try? FuseOpenOut(bytes: Array(r.body[FuseEntryOut.size...])) else { return nil }
        return (e.nodeid, o.fh)
    }

    func open(_ node: UInt64, flags: Int32 = O_RDWR) -> UInt64? {
        let r = send(.open, node: node, args: [FuseOpenIn(flags: UInt32(bitPattern: flags)).bytes])
        return r.error == 0 ? (try? FuseOpenOut(bytes: r.body))?.fh : nil
    }

    func hostPath(_ name: String) -> String { root + "/" + name }
}

/// An in-flight request: owns the guest-memory stand-ins until it is done.
final class Pending: @unchecked Sendable {
    let readable: [UnsafeMutableRawBufferPointer]
    let writable: [UnsafeMutableRawBufferPointer]
    let buffers: RequestBuffers
    private let result = Mutex<UInt32?>(nil)
    private let calls = Atomic<Int>(0)

    init(_ segments: [[UInt8]], _ writableSizes: [Int]) {
        readable = segments.map { s in
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(s.count, 1), alignment: 8)
            b.copyBytes(from: s)
            return UnsafeMutableRawBufferPointer(rebasing: b[0..<s.count])
        }
        writable = writableSizes.map { n in
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(n, 1), alignment: 8)
            b.initializeMemory(as: UInt8.self, repeating: 0xAA)
            return UnsafeMutableRawBufferPointer(rebasing: b[0..<n])
        }
        buffers = RequestBuffers(readable: readable.map { UnsafeRawBufferPointer($0) }, writable: writable)
    }

    deinit {
        for b in readable + writable { b.baseAddress?.deallocate() }
    }

    func done(_ n: UInt32) {
        calls.add(1, ordering: .relaxed)
        result.withLock { $0 = n }
    }

    var completions: Int { calls.load(ordering: .relaxed) }
    var isDone: Bool { result.withLock { $0 } != nil }

    func wait(timeout: Double) -> DispatcherHarness.Reply {
        let deadline = monotonicSeconds() + timeout
        while !isDone && monotonicSeconds() < deadline { usleep(500) }
        guard let n = result.withLock({ $0 }) else {
            return DispatcherHarness.Reply(header: nil, body: [], written: 0)
        }
        let out = writable.flatMap { Array($0) }
        let header = n >= 16 ? try? FuseOutHeader(bytes: Array(out.prefix(16))) : nil
        let body = n >= 16 ? Array(out[16..<Int(min(Int(n), out.count))]) : []
        return DispatcherHarness.Reply(header: header, body: body, written: n)
    }
}

func cstr(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

@discardableResult
func run(_ command: String) throws -> Int32 {
    system(command)
}

func readHost(_ path: String) -> [UInt8]? {
    let fd = Glibc.open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return out
}

func writeHost(_ path: String, _ bytes: [UInt8]) {
    let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { return }
    _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    close(fd)
}
