import CShims
import Glibc

/// The socket file a listener created: removable even after pivot_root or chroot has put its
/// path out of reach (or made the path name a guest file inside the share), because it holds
/// its directory open and unlinks relative to it, and only while the entry is still a socket.
public final class SocketFile: Sendable {
    /// The directory (O_PATH, close-on-exec) and the name in it: what the namespace sandbox's
    /// parent, a process of its own after an exec, needs to remove the socket.
    public let directoryFD: Int32
    public let name: String

    /// Nil when there is nothing to clean (inherited fd) or the directory cannot be opened.
    public init?(path: String?) {
        guard let path, !path.isEmpty else { return nil }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !base.isEmpty else { return nil }
        let fd = open(directory, strait_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        name = base
        directoryFD = fd
    }

    /// Unlinks the socket if it is still one (never another kind of file that took its place).
    public func remove() {
        var st = stat()
        guard fstatat(directoryFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_mode & S_IFMT == S_IFSOCK else { return }
        unlinkat(directoryFD, name, 0)
    }

    deinit { close(directoryFD) }
}
