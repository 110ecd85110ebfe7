import Foundation
import Glibc
import VhostUserDriver

/// The straitd binary built next to this test bundle, and ways to run it.
enum Straitd {
    /// `.build/<config>/straitd`, beside the test executable (swift test builds every product).
    static var path: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        var directory = exe
        // The bundle is .build/<config>/StraitPackageTests.xctest (a file on Linux).
        while !directory.isEmpty, !directory.hasSuffix(".xctest") { directory = (directory as NSString).deletingLastPathComponent }
        return ((directory.isEmpty ? exe : directory) as NSString).deletingLastPathComponent + "/straitd"
    }

    static var isBuilt: Bool { access(path, X_OK) == 0 }

    /// Runs straitd to completion (for options that exit at once): status, stdout, stderr.
    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}

/// A temp dir holding a shared directory and a socket path; removed with everything in it.
final class ScratchDirectory {
    let root: String
    let shared: String
    let socket: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("strait-opt-\(UUID().uuidString.prefix(8))").path
        shared = root + "/shared"
        socket = root + "/vhost.sock"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// A listening Unix socket at `path` that a child inherits (no CLOEXEC), libvirt's way.
    func inheritableListener(at path: String) throws -> Int32 {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DriverError(.daemon, "socket") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            close(fd)
            throw DriverError(.daemon, "bind/listen \(path): errno \(errno)")
        }
        return fd
    }
}
