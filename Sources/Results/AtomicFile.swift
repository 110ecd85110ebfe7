import Foundation
#if canImport(Glibc)
import Glibc
import Posix
#endif

/// Whole-file replacement that never leaves a half-written file under the final name: write a
/// temporary file beside it, fsync, rename over the target, fsync the directory. A crash at any
/// point leaves either the old file or the new one (plus, at worst, a stale temporary that
/// `removeStaleTemporaries` cleans up).
public enum AtomicFile {
    /// The temporary name for `path`: hidden, in the same directory (rename must not cross file
    /// systems), unique per process.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp.\(getpid())").path
    }

    /// Writes `data` to `path` atomically. `beforeRename` runs with the temporary path once it is
    /// durable and before the rename; tests use it to stand in for a crash at the worst moment.
    public static func write(
        _ data: Data, to path: String, beforeRename: (String) throws -> Void = { _ in }
    ) throws(ResultsError) {
        let temp = temporaryPath(for: path)
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw errnoError("cannot create temporary file", temp) }
        var closed = false
        defer { if !closed { close(fd) } }
        do throws(ResultsError) {
            // 0 on success, else the errno of the failed write (closures here cannot throw typed).
            let failure: Int32 = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int32 in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    offset += n
                }
                return 0
            }
            guard failure == 0 else {
                throw ResultsError(.io, "write failed", path: temp, cause: SystemCallError("write", errno: failure))
            }
            guard fsync(fd) == 0 else { throw errnoError("fsync failed", temp) }
            closed = true
            guard close(fd) == 0 else { throw errnoError("close failed", temp) }
            do {
                try beforeRename(temp)
            } catch {
                throw ResultsError(.io, "interrupted before rename", path: path, cause: error)
            }
            guard rename(temp, path) == 0 else { throw errnoError("rename failed", path) }
        } catch {
            unlink(temp)
            throw error
        }
        syncDirectory(of: path)
    }

    /// Removes temporaries a killed writer left beside `path` (any process id).
    public static func removeStaleTemporaries(for path: String) {
        let url = URL(fileURLWithPath: path)
        let prefix = ".\(url.lastPathComponent).tmp."
        let dir = url.deletingLastPathComponent()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for name in names where name.hasPrefix(prefix) {
            unlink(dir.appendingPathComponent(name).path)
        }
    }

    /// Makes the rename itself durable.
    private static func syncDirectory(of path: String) {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    private static func errnoError(_ message: String, _ path: String) -> ResultsError {
        ResultsError(.io, message, path: path, cause: SystemCallError(message))
    }
}
