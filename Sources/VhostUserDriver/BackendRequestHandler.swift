import Glibc
import Posix
import Synchronization
import VhostUser
import Wire

/// Serves the backend-request channel (SET_BACKEND_REQ_FD): a thread that answers the daemon's
/// SHMEM_MAP / SHMEM_UNMAP by mapping into the DAX window and acks when asked (REPLY_ACK).
public final class BackendRequestHandler: Sendable {
    private let channel: Channel
    private let window: DaxWindowRegion?
    /// Tells the daemon about a map as a memory region (adding: true) or its end, before the ack.
    public typealias RegionMirror = @Sendable (_ adding: Bool, _ offset: UInt64, _ length: UInt64, _ fd: Int32,
                                               _ fdOffset: UInt64) throws(DriverError) -> Void
    private let regions: RegionMirror?
    /// The serving thread; created with the handler, started by `start`.
    private let thread = Mutex<JoinableThread?>(nil)
    /// Unexpected requests and failures, kept for tests and error reports.
    private let log = Mutex<[String]>([])

    /// Takes our end of the socketpair; the daemon holds the other.
    public init(fd: OwnedFD, window: DaxWindowRegion?, regions: RegionMirror? = nil) {
        channel = Channel(fd: fd)
        self.window = window
        self.regions = regions
    }

    public var events: [String] { log.withLock { $0 } }

    public func start() throws(DriverError) {
        let t = JoinableThread(name: "backend-requests") { [self] in run() }
        do { try t.start() } catch { throw DriverError(.system, "backend-request thread", cause: error) }
        thread.withLock { $0 = t }
    }

    /// Ends the thread: shutting our end down makes its receive return.
    public func stop() {
        shutdown(channel.fd.rawValue, Int32(SHUT_RDWR))
        thread.withLock { t -> JoinableThread? in defer { t = nil }; return t }?.join()
    }

    private func run() {
        while true {
            let message: Message
            do { message = try channel.receive() } catch {
                if error.code != .disconnected { log.withLock { $0.append("receive: \(error)") } }
                return
            }
            let status = handle(message)
            if message.header.needsReply {
                var w = ByteWriter(capacity: 8)
                w.write(status)
                do { try channel.reply(to: message.header, payload: w.bytes) } catch { return }
            }
        }
    }

    /// Returns the u64 status for the ack: 0 for success.
    private func handle(_ message: Message) -> UInt64 {
        guard let request = BackendRequest(rawValue: message.header.request),
              request == .shmemMap || request == .shmemUnmap else {
            log.withLock { $0.append("unexpected backend request \(message.header.request)") }
            return 1
        }
        guard let window else {
            log.withLock { $0.append("\(request) without a DAX window") }
            return 1
        }
        var c = message.cursor
        let m: ShmemMapMessage
        do { m = try ShmemMapMessage(from: &c) } catch {
            log.withLock { $0.append("bad \(request) payload: \(error)") }
            return 1
        }
        do throws(DriverError) {
            guard m.shmid == 0 else { throw DriverError(.protocolViolation, "\(request) of shmid \(m.shmid): the device has region 0 only") }
            if request == .shmemMap {
                guard let fd = message.fds.first, message.fds.count == 1 else {
                    throw DriverError(.protocolViolation, "SHMEM_MAP with \(message.fds.count) fds, not one")
                }
                try window.map(fd: fd.rawValue, fdOffset: m.fdOffset, offset: m.shmOffset, length: m.length, writable: m.isWritable)
                try regions?(true, m.shmOffset, m.length, fd.rawValue, m.fdOffset)
            } else {
                try regions?(false, m.shmOffset, m.length, -1, 0)
                try window.unmap(offset: m.shmOffset, length: m.length)
            }
            return 0
        } catch {
            log.withLock { $0.append("\(request): \(error)") }
            return 1
        }
    }
}
