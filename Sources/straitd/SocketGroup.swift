import Glibc

/// `--socket-group`: hands the socket to a group (e.g. kvm) so an unprivileged QEMU may connect.
enum SocketGroup {
    static func apply(_ group: String?, path: String?) throws(StartupError) {
        guard let group, let path else { return }
        guard let entry = getgrnam(group) else { throw StartupError("--socket-group: no group named '\(group)'") }
        guard chown(path, uid_t.max, entry.pointee.gr_gid) == 0 else { throw .system("chown \(path) to group \(group)") }
        // Group members need write permission to connect to a Unix socket.
        guard chmod(path, 0o660) == 0 else { throw .system("chmod \(path)") }
    }
}
