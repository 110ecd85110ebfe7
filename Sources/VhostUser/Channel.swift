import CShims
import Glibc
import Synchronization
import Wire

/// One end of a vhost-user Unix socket: whole messages in, whole messages out, fds attached.
/// Used by the backend for the frontend connection and the backend-request channel, and by the
/// in-repo frontend (VhostUserDriver) for the other side.
public final class Channel: Sendable {
    public let fd: OwnedFD
    /// Serialises senders: the backend-request channel is written from several worker threads.
    private let sendLock = Mutex(())
    /// Held across a request and its reply where replies are not tagged (the backend-request channel).
    public let exchangeLock = Mutex(())

    public init(fd: OwnedFD) { self.fd = fd }

    /// Reads one message. The fds travel with the header's bytes (the sender's single sendmsg).
    public func receive() throws(VhostUserError) -> Message {
        var headerBytes = [UInt8](repeating: 0, count: MessageHeader.size)
        var fds = [Int32](repeating: -1, count: 8)
        var nfds: Int32 = 0
        var truncated: Int32 = 0
        let n = headerBytes.withUnsafeMutableBytes { buf in
            fds.withUnsafeMutableBufferPointer { fdBuf in
                strait_recv_with_fds(fd.rawValue, buf.baseAddress, buf.count, fdBuf.baseAddress, 8, &nfds, &truncated)
            }
        }
        let owned = fds.prefix(Int(nfds)).map(OwnedFD.init)
        if n < 0 { throw .system("recvmsg on vhost-user socket") }
        if n == 0 { throw VhostUserError(.disconnected, "peer closed the vhost-user socket") }
        if n < MessageHeader.size {
            try readExactly(into: &headerBytes, from: n)
        }
        if truncated != 0 {
            throw VhostUserError(.protocolViolation, "more than 8 fds passed with one message")
        }
        var cursor = ByteCursor(headerBytes)
        let header: MessageHeader
        do { header = try MessageHeader(from: &cursor) } catch {
            throw VhostUserError(.protocolViolation, "bad header: \(error)")
        }
        guard header.flags & MessageFlags.versionMask == MessageFlags.version else {
            throw VhostUserError(.protocolViolation, "unsupported vhost-user version in flags 0x\(String(header.flags, radix: 16))")
        }
        guard header.size <= MessageHeader.maxPayload else {
            throw VhostUserError(.protocolViolation, "payload of \(header.size) bytes exceeds \(MessageHeader.maxPayload)")
        }
        var payload = [UInt8](repeating: 0, count: Int(header.size))
        if header.size > 0 { try readExactly(into: &payload, from: 0) }
        return Message(header: header, payload: payload, fds: owned)
    }

    /// Sends a message, fds attached to its first byte.
    public func send(request: UInt32, flags: UInt32 = MessageFlags.version, payload: [UInt8] = [], fds: [Int32] = []) throws(VhostUserError) {
        var w = ByteWriter(capacity: MessageHeader.size + payload.count)
        MessageHeader(request: request, flags: flags, size: UInt32(payload.count)).encode(into: &w)
        w.write(bytes: payload)
        let bytes = w.bytes
        let result: Int = sendLock.withLock { _ in
            bytes.withUnsafeBytes { buf in
                fds.withUnsafeBufferPointer { fdBuf in
                    strait_send_with_fds(fd.rawValue, buf.baseAddress, buf.count, fdBuf.baseAddress, Int32(fds.count))
                }
            }
        }
        if result < 0 { throw .system("sendmsg on vhost-user socket") }
        if result != bytes.count {
            throw VhostUserError(.system, "short send on vhost-user socket (\(result) of \(bytes.count))")
        }
    }

    /// A reply to `header`: same request code, REPLY set.
    public func reply(to header: MessageHeader, payload: [UInt8]) throws(VhostUserError) {
        try send(request: header.request, flags: MessageFlags.version | MessageFlags.reply, payload: payload)
    }

    /// Sends `request` with NEED_REPLY and waits for the peer's u64 status (REPLY_ACK).
    /// Only for channels where nobody else reads (the backend-request channel).
    public func sendAwaitingAck(request: UInt32, payload: [UInt8], fds: [Int32] = []) throws(VhostUserError) -> UInt64 {
        try send(request: request, flags: MessageFlags.version | MessageFlags.needReply, payload: payload, fds: fds)
        let answer = try receive()
        guard answer.header.request == request, answer.header.isReply else {
            throw VhostUserError(.protocolViolation, "expected a reply to request \(request), got \(answer.header.request)")
        }
        var c = answer.cursor
        do { return try c.readU64() } catch {
            throw VhostUserError(.protocolViolation, "reply to request \(request) without a u64 status")
        }
    }

    private func readExactly(into buffer: inout [UInt8], from start: Int) throws(VhostUserError) {
        var done = start
        while done < buffer.count {
            let n = buffer.withUnsafeMutableBytes { buf in
                recv(fd.rawValue, buf.baseAddress.map { $0 + done }, buf.count - done, 0)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system("recv on vhost-user socket")
            }
            if n == 0 { throw VhostUserError(.disconnected, "peer closed the socket mid-message") }
            done += n
        }
    }
}
