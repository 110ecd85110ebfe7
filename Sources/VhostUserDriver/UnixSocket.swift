import Glibc
import Posix
import VhostUser

/// Unix stream sockets for the frontend: connecting to a daemon's path (retrying until it
/// appears) and socketpairs for the backend-request channel and `--fd` style launches.
public enum UnixSocket {
    /// Connects to `path`, retrying while the socket is absent or not yet listening.
    /// `alive` lets the caller stop early when the daemon it is waiting for has died.
    public static func connect(path: String, timeout: Double, alive: () -> Bool = { true }) throws(DriverError) -> OwnedFD {
        let deadline = monotonicSeconds() + timeout
        var lastErrno: Int32 = 0
        while true {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { throw .system("socket(AF_UNIX)") }
            let owned = OwnedFD(fd)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
                throw DriverError(.connect, "socket path too long: \(path)")
            }
            withUnsafeMutableBytes(of: &addr.sun_path) { dst in
                for (i, b) in bytes.enumerated() { dst[i] = b }
            }
            // A daemon that stopped accepting with its backlog full would block connect() for
            // ever (a unit-suite run hung 15 min in LeakTests that way); Linux bounds a Unix
            // stream connect by SO_SNDTIMEO, returning EAGAIN, which the loop below retries
            // until the deadline.
            setSendTimeout(fd, seconds: max(0.01, deadline - monotonicSeconds()))
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if rc == 0 {
                setSendTimeout(fd, seconds: 0) // the vhost-user messages that follow block as before
                return owned
            }
            lastErrno = errno
            guard lastErrno == ENOENT || lastErrno == ECONNREFUSED || lastErrno == EINTR || lastErrno == EAGAIN else {
                throw .system("connect \(path)", errno: lastErrno)
            }
            guard alive() else {
                throw DriverError(.connect, "daemon exited before listening on \(path)")
            }
            guard monotonicSeconds() < deadline else {
                throw DriverError(.connect, "no daemon listening on \(path) after \(timeout) s: \(String(cString: strerror(lastErrno)))", errno: lastErrno)
            }
            usleep(10_000)
        }
    }

    /// SO_SNDTIMEO; 0 means none.
    private static func setSendTimeout(_ fd: Int32, seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// A connected pair of stream sockets (close-on-exec).
    public static func pair() throws(DriverError) -> (OwnedFD, OwnedFD) {
        var fds: [Int32] = [-1, -1]
        let rc = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
        if rc != 0 { throw .system("socketpair") }
        return (OwnedFD(fds[0]), OwnedFD(fds[1]))
    }
}
