import Glibc
import Passthrough
import Synchronization
import VhostUser
import Wire

/// The backend-request channel as the FUSE layer uses it: DAX map and unmap requests to the
/// frontend, which maps file ranges into the guest's DAX window. Empty until the frontend sends
/// SET_BACKEND_REQ_FD; without it DAX requests fail and the guest gets ENOSYS.
public final class BackendRequests: Sendable {
    private let channel = Mutex<Channel?>(nil)

    public init() {}

    public func attach(_ new: Channel?) { channel.withLock { $0 = new } }

    public var isAvailable: Bool { channel.withLock { $0 != nil } }

    /// Asks the frontend to map `length` bytes of `fd` at `fileOffset` into the window at `windowOffset`.
    public func requestMap(fd: Int32, fileOffset: UInt64, windowOffset: UInt64, length: UInt64, writable: Bool) throws(VhostUserError) {
        let flags = FsMapMessage.flagRead | (writable ? FsMapMessage.flagWrite : 0)
        let message = FsMapMessage(ranges: [.init(fdOffset: fileOffset, cacheOffset: windowOffset, length: length, flags: flags)])
        try send(.fsMap, message, fds: [fd])
    }

    /// Asks the frontend to drop the mapping of [windowOffset, windowOffset+length) in the window.
    public func requestUnmap(windowOffset: UInt64, length: UInt64) throws(VhostUserError) {
        let message = FsMapMessage(ranges: [.init(fdOffset: 0, cacheOffset: windowOffset, length: length, flags: 0)])
        try send(.fsUnmap, message, fds: [])
    }

    private func send(_ request: BackendRequest, _ message: FsMapMessage, fds: [Int32]) throws(VhostUserError) {
        guard let current = channel.withLock({ $0 }) else {
            throw VhostUserError(.rejected, "no backend-request channel: the frontend offers no DAX window")
        }
        var w = ByteWriter(capacity: FsMapMessage.size)
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
    public var size: UInt64? { nil }

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
