import Glibc
import Passthrough
import Synchronization
import VhostUser
import Wire

/// The backend-request channel as the FUSE layer uses it: SHMEM_MAP / SHMEM_UNMAP of file
/// ranges into the DAX window (shared-memory region 0), each awaiting the frontend's ack.
/// Empty until the frontend sends SET_BACKEND_REQ_FD; without it DAX requests fail with ENOSYS.
public final class BackendRequests: Sendable {
    /// shmid of the virtio-fs cache window.
    public static let cacheShmid: UInt8 = 0
    private let channel = Mutex<Channel?>(nil)
    /// The window's size (`--dax-window`), which GET_SHMEM_CONFIG reported; nil: no window.
    public let windowSize: UInt64?

    public init(windowSize: UInt64? = nil) { self.windowSize = windowSize }

    public func attach(_ new: Channel?) { channel.withLock { $0 = new } }

    public var isAvailable: Bool { channel.withLock { $0 != nil } }

    /// Asks the frontend to map `length` bytes of `fd` at `fileOffset` into the window at `windowOffset`.
    public func requestMap(fd: Int32, fileOffset: UInt64, windowOffset: UInt64, length: UInt64, writable: Bool) throws(VhostUserError) {
        let message = ShmemMapMessage(shmid: Self.cacheShmid, fdOffset: fileOffset, shmOffset: windowOffset, length: length,
                                      flags: writable ? ShmemMapMessage.flagWritable : 0)
        try send(.shmemMap, message, fds: [fd])
    }

    /// Asks the frontend to drop the mapping that a map made at exactly [windowOffset, +length).
    public func requestUnmap(windowOffset: UInt64, length: UInt64) throws(VhostUserError) {
        let message = ShmemMapMessage(shmid: Self.cacheShmid, fdOffset: 0, shmOffset: windowOffset, length: length, flags: 0)
        try send(.shmemUnmap, message, fds: [])
    }

    private func send(_ request: BackendRequest, _ message: ShmemMapMessage, fds: [Int32]) throws(VhostUserError) {
        guard let current = channel.withLock({ $0 }) else {
            throw VhostUserError(.rejected, "no backend-request channel: the frontend offers no DAX window")
        }
        var w = ByteWriter(capacity: ShmemMapMessage.size)
        message.encode(into: &w)
        // One request at a time: replies on this channel are not tagged.
        let status = try current.exchangeLock.withLock { _ throws(VhostUserError) in
            try current.sendAwaitingAck(request: request.rawValue, payload: w.bytes, fds: fds)
        }
        guard status == 0 else {
            throw VhostUserError(.rejected, "frontend refused \(request) (status \(status))")
        }
    }
}

/// The FUSE layer sees the channel as the DAX window; failures reach the guest as errnos.
extension BackendRequests: DaxWindow {
    public var size: UInt64? { windowSize }

    public func map(fd: Int32, fileOffset: UInt64, windowOffset: UInt64, length: UInt64, writable: Bool) throws(FSError) {
        do { try requestMap(fd: fd, fileOffset: fileOffset, windowOffset: windowOffset, length: length, writable: writable) }
        catch { throw Self.fsError(error) }
    }

    public func unmap(windowOffset: UInt64, length: UInt64) throws(FSError) {
        do { try requestUnmap(windowOffset: windowOffset, length: length) }
        catch { throw Self.fsError(error) }
    }

    private static func fsError(_ error: VhostUserError) -> FSError {
        let code: Int32 = switch error.code {
        case .rejected where error.message.hasPrefix("no backend-request channel"): ENOSYS
        default: EIO
        }
        return FSError(errno: code, message: error.message)
    }
}

extension FuseDispatcher: RequestHandler {}
