import CShims
import Glibc

/// The listening Unix socket the frontend connects to: created at `--socket-path`, or inherited
/// already listening as `--fd=N` (libvirt's way).
public final class Listener: Sendable {
    public let fd: OwnedFD
    /// The path we created; nil for an inherited fd.
    public let path: String?
    /// Removes what we created, safely after a sandbox; nil for an inherited fd.
    public let socketFile: SocketFile?

    /// Creates, binds and listens at `path`, replacing a stale socket left there (never a regular file).
    public init(path: String) throws(VhostUserError) {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFSOCK else {
                throw VhostUserError(.system, "\(path) exists and is not a socket", errno: EEXIST)
            }
            unlink(path)
        }
        let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw .system("socket") }
        let owned = OwnedFD(s)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw VhostUserError(.system, "socket path longer than \(capacity - 1) bytes: \(path)", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(s, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw .system("bind \(path)") }
        guard listen(s, 1) == 0 else { throw .system("listen \(path)") }
        fd = owned
        self.path = path
        socketFile = SocketFile(path: path)
    }

    /// Adopts an inherited listening socket; checks it is one.
    public init(inheritedFD: Int32) throws(VhostUserError) {
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(inheritedFD, SOL_SOCKET, SO_TYPE, &type, &length) == 0 else {
            throw .system("--fd=\(inheritedFD) is not a socket")
        }
        var listening: Int32 = 0
        length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(inheritedFD, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening != 0 else {
            throw VhostUserError(.system, "--fd=\(inheritedFD) is not a listening socket", errno: EINVAL)
        }
        _ = fcntl(inheritedFD, F_SETFD, FD_CLOEXEC)
        fd = OwnedFD(inheritedFD)
        path = nil
        socketFile = nil
    }

    deinit { socketFile?.remove() }

    /// Waits for the frontend to connect.
    public func accept() throws(VhostUserError) -> Channel {
        let c = strait_accept_cloexec(fd.rawValue)
        guard c >= 0 else { throw .system("accept on vhost-user socket") }
        return Channel(fd: OwnedFD(c))
    }
}
