import FUSE
import Foundation
import Glibc
import Logging
import Passthrough
import Synchronization
import Testing
import VhostUser
@testable import VhostUserDriver
@testable import VirtioFS

/// straitd's server, dispatcher and passthrough in this process, on a socket in a temp dir,
/// driven by the in-repo frontend exactly as a VMM would.
final class InProcessDaemon: @unchecked Sendable {
    let root: String
    let shared: String
    let socket: String
    let server: VirtioFSServer
    private let finished = DispatchSemaphore(value: 0)

    init(mode: ProcessingMode = .inline, cache: CacheMode = .auto, poll: PollMode = .off) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("strait-server-\(UUID().uuidString)").path
        shared = root + "/shared"
        socket = root + "/vhost.sock"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        var logger = Logger(label: "straitd-test")
        logger.logLevel = .warning
        server = try VirtioFSServer(configuration: ServerConfiguration(socket: .path(socket), mode: mode, requestQueues: 4, poll: poll), logger: logger)
        self.cache = cache
        self.logger = logger
        try serve()
    }

    private let cache: CacheMode
    private let logger: Logger

    /// Serves one frontend on a thread with a fresh file system and dispatcher (as a new straitd would).
    func serve() throws {
        let fs = try PassthroughFS(config: PassthroughConfig(root: shared, cache: cache))
        let dispatcher = FuseDispatcher(fs: fs, config: fs.config, dax: server.backendRequests, logger: logger)
        exited.withLock { $0 = false }
        Thread { [self] in
            try? server.run(handler: dispatcher)
            finished.signal()
        }.start()
    }

    func connect(queues: Int = 1, eventIdx: Bool = true) throws -> FuseClient {
        var config = FrontendConfiguration()
        config.memory = GuestMemoryLayout(size: 64 << 20, regionCount: 2)
        config.requestQueues = queues
        config.eventIdx = eventIdx
        return try FuseClient(frontend: try VhostUserFrontend(socketPath: socket, configuration: config))
    }

    /// Waits for the server to notice the frontend went away; false if it did not within 10 s.
    func waitForExit() -> Bool {
        if exited.withLock({ $0 }) { return true }
        guard finished.wait(timeout: .now() + 10) == .success else { return false }
        exited.withLock { $0 = true }
        return true
    }

    /// Whether the current session has ended (without waiting).
    func hasExited() -> Bool {
        if exited.withLock({ $0 }) { return true }
        guard finished.wait(timeout: .now()) == .success else { return false }
        exited.withLock { $0 = true }
        return true
    }

    private let exited = Mutex(false)

    deinit { try? FileManager.default.removeItem(atPath: root) }
}

@Suite("straitd server driven by the in-repo frontend", .serialized)
struct ServerTests {
    @Test("file round trip in every processing mode", arguments: [ProcessingMode.inline, .pool(threads: 2), .auto(threads: 2, threshold: 3)])
    func roundTrip(_ mode: ProcessingMode) throws {
        let daemon = try InProcessDaemon(mode: mode)
        let client = try daemon.connect()
        let out = try client.initialize()
        #expect(out.major == 7 && out.minor == 38)
        let (entry, opened) = try client.create(parent: FuseProtocol.rootID, name: "f.bin")
        let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        var offset = 0
        while offset < data.count {
            let chunk = Array(data[offset..<min(offset + 65536, data.count)])
            #expect(try client.write(node: entry.nodeid, handle: opened.fh, offset: UInt64(offset), data: chunk) == UInt32(chunk.count))
            offset += chunk.count
        }
        #expect(FileManager.default.contents(atPath: daemon.shared + "/f.bin") == Data(data))
        #expect(try client.read(node: entry.nodeid, handle: opened.fh, offset: 1000, size: 5000) == Array(data[1000..<6000]))
        try client.release(node: entry.nodeid, handle: opened.fh)
        #expect(try client.getattr(node: entry.nodeid).attr.size == UInt64(data.count))
        try client.unlink(parent: FuseProtocol.rootID, name: "f.bin")
        #expect(!FileManager.default.fileExists(atPath: daemon.shared + "/f.bin"))
        client.close()
        #expect(daemon.waitForExit())
    }

    @Test("every request queue the frontend starts is served")
    func severalQueues() throws {
        let daemon = try InProcessDaemon(mode: .inline)
        let client = try daemon.connect(queues: 4)
        try client.initialize()
        #expect(client.frontend.daemonQueueCount >= 5)
        try FileManager.default.createDirectory(atPath: daemon.shared + "/d", withIntermediateDirectories: false)
        // Requests go round-robin over the request queues: eight lookups visit each twice.
        for _ in 1...8 {
            let entry = try client.lookup(parent: FuseProtocol.rootID, name: "d")
            #expect(entry.attr.mode & UInt32(S_IFMT) == UInt32(S_IFDIR))
        }
        client.close()
        #expect(daemon.waitForExit())
    }

    @Test("a new frontend is served after the previous one went away, with fresh state")
    func reconnect() throws {
        let daemon = try InProcessDaemon(mode: .auto(threads: 2, threshold: 3))
        let first = try daemon.connect()
        try first.initialize()
        let (entry, opened) = try first.create(parent: FuseProtocol.rootID, name: "kept")
        _ = try first.write(node: entry.nodeid, handle: opened.fh, offset: 0, data: Array("still here".utf8))
        first.close()
        #expect(daemon.waitForExit())

        try daemon.serve()
        let second = try daemon.connect(queues: 2)
        #expect(try second.initialize().minor == 38)
        // Node ids of the old session mean nothing now.
        #expect(throws: DriverError.self) { try second.getattr(node: entry.nodeid) }
        let again = try second.lookup(parent: FuseProtocol.rootID, name: "kept")
        let reopened = try second.open(node: again.nodeid, flags: O_RDONLY)
        #expect(try second.read(node: again.nodeid, handle: reopened.fh, offset: 0, size: 64) == Array("still here".utf8))
        second.close()
        #expect(daemon.waitForExit())
    }
}
