import Glibc

/// Owns one descriptor and closes it when the last reference goes away, so an inode or handle
/// dropped from its table while an operation still uses the fd cannot close it underneath.
final class FileDescriptor: Sendable {
    let raw: Int32

    init(_ raw: Int32) { self.raw = raw }

    deinit { close(raw) }

    /// The name of this descriptor under /proc/self/fd, for reopening relative to that directory.
    var procName: String { String(raw) }
}
