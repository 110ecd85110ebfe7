import CShims
import Glibc

/// Removes the socket straitd created at `--socket-path`, even after pivot_root or chroot has
/// put the path out of reach: it holds its directory open and unlinks relative to it. Built
/// before the sandbox.
final class SocketCleanup: Sendable {
    private let directoryFD: Int32
    private let name: String

    /// Nil when there is nothing to clean (inherited fd) or the directory cannot be opened.
    init?(path: String?) {
        guard let path, !path.isEmpty else { return nil }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !base.isEmpty else { return nil }
        let fd = open(directory, O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        name = base
        directoryFD = fd
    }

    /// Unlinks the socket if it is still one (never another kind of file that took its place).
    func remove() {
        var st = stat()
        guard fstatat(directoryFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_mode & S_IFMT == S_IFSOCK else { return }
        unlinkat(directoryFD, name, 0)
    }
}
