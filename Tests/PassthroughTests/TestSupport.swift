import Foundation
import Glibc
@testable import Passthrough

/// A fresh directory under /tmp, removed with everything in it when the test ends.
final class TempDir {
    let path: String

    init() {
        var template = Array("/tmp/strait-pt-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = made.map { String(cString: $0) } ?? "/tmp/strait-pt-failed"
        chmod(path, 0o755)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) {
        FileManager.default.createFile(atPath: sub(name), contents: Data(text.utf8))
    }

    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: sub(name)).map { String(decoding: $0, as: UTF8.self) }
    }

    func mkdir(_ name: String) {
        try? FileManager.default.createDirectory(atPath: sub(name), withIntermediateDirectories: true)
    }

    func exists(_ name: String) -> Bool {
        var st = stat()
        return lstat(sub(name), &st) == 0
    }

    func info(_ name: String) -> Glibc.stat {
        var st = Glibc.stat()
        _ = lstat(sub(name), &st)
        return st
    }
}

/// A PassthroughFS over a fresh temp dir.
struct Fixture {
    let dir: TempDir
    let fs: PassthroughFS

    init(_ configure: (inout PassthroughConfig) -> Void = { _ in }) throws {
        dir = TempDir()
        var config = PassthroughConfig(root: dir.path, xattr: true)
        configure(&config)
        fs = try PassthroughFS(config: config)
    }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Runs `body` and returns the errno it threw (nil when it did not throw).
func errnoOf<T>(_ body: () throws -> T) -> Int32? {
    do {
        _ = try body()
        return nil
    } catch let error as FSError {
        return error.errno
    } catch {
        return -1
    }
}

/// Reads through the preadv path into a fresh buffer.
func readAll(_ fs: PassthroughFS, _ handle: UInt64, offset: UInt64 = 0, count: Int = 4096)
    throws -> [UInt8]
{
    var buf = [UInt8](repeating: 0, count: count)
    let n = try buf.withUnsafeMutableBytes { (raw) throws -> Int in
        var iov = [iovec(iov_base: raw.baseAddress, iov_len: raw.count)]
        return try iov.withUnsafeBufferPointer { (v) throws(FSError) -> Int in
            try fs.read(handle: handle, offset: offset, into: v)
        }
    }
    return Array(buf.prefix(n))
}

/// Writes through the pwritev path, split over two iovecs to exercise the vector.
@discardableResult
func writeAll(_ fs: PassthroughFS, _ handle: UInt64, _ data: [UInt8], offset: UInt64 = 0,
              killpriv: Bool = false) throws -> Int
{
    var copy = data
    let half = data.count / 2
    return try copy.withUnsafeMutableBytes { (raw) throws -> Int in
        let base = raw.baseAddress
        var iov = [iovec(iov_base: base, iov_len: half),
                   iovec(iov_base: base.map { $0 + half }, iov_len: data.count - half)]
        return try iov.withUnsafeBufferPointer { (v) throws(FSError) -> Int in
            try fs.write(handle: handle, offset: offset, from: v, killpriv: killpriv)
        }
    }
}

/// Open descriptors of this process that refer to something under `path` (tests run in
/// parallel, so only our own directory's descriptors are counted).
func openFDCount(under path: String) -> Int {
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return fds.filter { fd in
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd)
        else { return false }
        return target == path || target.hasPrefix(path + "/")
    }.count
}

let isRoot = geteuid() == 0
