import Glibc

/// The one free-port helper: a loopback TCP port that was free a moment ago (the kernel picks it;
/// the caller, QEMU's hostfwd or a private sshd, binds it right after).
public enum FreePort {
    public static func loopback() throws(SystemCallError) -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemCallError("socket") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, length) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound else { throw SystemCallError("bind 127.0.0.1:0") }
        return UInt16(bigEndian: addr.sin_port)
    }
}
