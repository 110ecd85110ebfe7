import CShims
import FUSE
import Glibc
import Logging
import Passthrough
import VhostUser
import VirtioFS
import Wire

/// The daemon's parsers of guest- and frontend-controlled bytes, as coverage-guided fuzz targets:
/// each takes one input and must neither crash nor hang on it. `strait-fuzz` runs them under
/// libFuzzer (scripts/fuzz.sh); the corpus under Tests/Fuzz/corpus replays in the unit tests.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// vhost-user messages, one after another, into a backend (header, payload decoders, state).
    case message
    /// A descriptor table, available ring and buffers in guest memory, walked by the split queue.
    case chain
    /// FUSE requests into the dispatcher over a scratch directory (after one INIT).
    case dispatcher

    public func run(_ input: UnsafeRawBufferPointer) {
        switch self {
        case .message: MessageFuzz.shared.run(input)
        case .chain: ChainFuzz.shared.run(input)
        case .dispatcher: DispatcherFuzz.shared.run(input)
        }
    }
}

/// Splits the input into vhost-user messages (12-byte header, then `size` bytes of payload, as
/// on the socket) and hands each to a fresh backend; replies go to a socketpair that is drained.
final class MessageFuzz: Sendable {
    static let shared = MessageFuzz()
    private let peer: Int32
    private let channel: Channel

    private init() {
        var fds: [Int32] = [0, 0]
        _ = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        peer = fds[0]
        channel = Channel(fd: OwnedFD(fds[1]))
    }

    func run(_ input: UnsafeRawBufferPointer) {
        let backend = Backend(channel: channel, device: StubDevice(), logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
        var cursor = ByteCursor(Array(input))
        while let header = try? MessageHeader(from: &cursor) {
            let size = Int(min(header.size, MessageHeader.maxPayload))
            let payload = (try? cursor.readBytes(min(size, cursor.remaining))) ?? []
            do { try backend.handle(Message(header: header, payload: payload)) } catch { break }
            drain()
        }
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while read(peer, &buffer, buffer.count) > 0 {}
    }
}

/// A device that serves nothing: the fuzzer exercises the backend, not the rings.
private final class StubDevice: VhostUserDevice, Sendable {
    let deviceFeatures: UInt64 = 0
    let maxQueues = 3
    func start(ring: ActiveRing) {}
    func stop(ring index: Int) {}
    func backendChannelChanged(_ channel: Channel?) {}
    func reset() {}
}

/// Guest memory of one 1 MiB region: the input becomes, in order, the descriptor table of a
/// 16-entry queue, its available ring, then buffer bytes; every published chain is popped.
/// @unchecked: guest memory behind raw pointers; libFuzzer calls the target from one thread.
final class ChainFuzz: @unchecked Sendable {
    static let shared = ChainFuzz()
    static let guestBase: UInt64 = 0x1_0000_0000
    static let userBase: UInt64 = 0x7f00_0000_0000
    static let size = 16
    private let memory: GuestMemory
    private let base: UnsafeMutableRawPointer

    private init() {
        let fd = strait_memfd_create("fuzz-guest", 0)
        _ = ftruncate(fd, off_t(1 << 20))
        let description = MemoryRegionDescription(guestPhysAddr: Self.guestBase, memorySize: UInt64(1 << 20),
                                                  userspaceAddr: Self.userBase, mmapOffset: 0)
        // Without its memory the target cannot run at all: stop loudly, never fuzz nothing.
        guard let region = try? MappedRegion(description: description, fd: OwnedFD(fd)) else {
            fatalError("fuzz setup: cannot map a 1 MiB memfd as guest memory")
        }
        memory = GuestMemory(regions: [region])
        guard let pointer = try? memory.translate(guest: Self.guestBase, length: 1).first?.baseAddress else {
            fatalError("fuzz setup: guest memory does not translate")
        }
        base = pointer
    }

    func run(_ input: UnsafeRawBufferPointer) {
        memset(base, 0, 64 << 10)
        let descBytes = RingLayout.descriptorTableBytes(Self.size)
        let availOffset = descBytes
        let usedOffset = 0x1000
        if let src = input.baseAddress { memcpy(base, src, min(input.count, 0x1000)) }
        if input.count > 0x1000, let src = input.baseAddress {
            memcpy(base + 0x2000, src + 0x1000, min(input.count - 0x1000, 0xE000))
        }
        guard let queue = try? SplitQueue(memory: memory, size: Self.size, descUser: Self.userBase,
                                          availUser: Self.userBase + UInt64(availOffset),
                                          usedUser: Self.userBase + UInt64(usedOffset),
                                          lastAvail: 0, eventIdx: true, indirect: true) else { return }
        for _ in 0..<(2 * Self.size) {
            guard let next = try? queue.pop() else { return }
            switch next {
            case .empty: return
            case .malformed(let head, _): _ = queue.push(head: head, written: 0)
            case .chain(let chain):
                var total = 0
                for buffer in chain.readable { total &+= buffer.reduce(0) { $0 &+ Int($1) } }
                for buffer in chain.writable where buffer.count > 0 { buffer.storeBytes(of: 0xA5, toByteOffset: 0, as: UInt8.self) }
                _ = queue.push(head: chain.head, written: UInt32(truncatingIfNeeded: total & 0xff))
            }
        }
    }
}

/// FUSE requests straight into the dispatcher over a scratch directory: the input is one request
/// (in header + arguments), answered into a 64 KiB writable buffer. INIT happens once, first.
/// @unchecked: the reply buffer is a raw pointer; libFuzzer calls the target from one thread.
final class DispatcherFuzz: @unchecked Sendable {
    static let shared = DispatcherFuzz()
    private let dispatcher: FuseDispatcher
    private let reply = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 8)

    private init() {
        var template = Array("/tmp/strait-fuzz-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("fuzz setup: mkdtemp") }
        let dir = String(cString: made)
        let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
        guard let fs = try? PassthroughFS(config: PassthroughConfig(root: dir, xattr: true), logger: logger) else {
            fatalError("fuzz setup: cannot serve \(dir)")
        }
        dispatcher = FuseDispatcher(fs: fs, config: fs.config, dax: nil, logger: logger)
        var w = ByteWriter(capacity: 104)
        FuseInHeader(len: UInt32(FuseInHeader.size + FuseInitIn.size), opcode: FuseOpcode.`init`.rawValue, unique: 1,
                     nodeid: 0, uid: 0, gid: 0, pid: 0).encode(into: &w)
        FuseInitIn(major: 7, minor: 38, maxReadahead: 1 << 17, flags: 0, flags2: 0).encode(into: &w)
        w.bytes.withUnsafeBytes { handle($0) }
    }

    func run(_ input: UnsafeRawBufferPointer) { handle(input) }

    private func handle(_ request: UnsafeRawBufferPointer) {
        let buffers = RequestBuffers(readable: [request], writable: [reply])
        _ = dispatcher.handleNow(buffers) { { _ in } }
    }
}
