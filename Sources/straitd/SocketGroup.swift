import DaemonOptions
import Glibc
import Posix

/// `--socket-group`: hands the socket to a group (e.g. kvm) so an unprivileged QEMU may connect.
enum SocketGroup {
    static func apply(_ group: String?, path: String?) throws(StartupError) {
        guard let group, let path else { return }
        let groups = readWholeFile("/etc/group").map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard let gid = GroupFile.gid(of: group, in: groups) else {
            throw StartupError("--socket-group: no group named '\(group)' in /etc/group (give a number for others)")
        }
        guard chown(path, uid_t.max, gid) == 0 else { throw .system("chown \(path) to group \(group)") }
        // Group members need write permission to connect to a Unix socket.
        guard chmod(path, 0o660) == 0 else { throw .system("chmod \(path)") }
    }
}
