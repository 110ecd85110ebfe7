import Glibc
import Posix
import VhostUserDriver

/// The files every daemon serves, created once per invocation with plain host I/O:
/// `stat-target` (getattr/lookup), `data.bin` (read/write/DAX), `dir/` (readdir, 100 files).
struct Dataset {
    static let statTarget = "stat-target"
    static let dataFile = "data.bin"
    static let directory = "dir"
    static let directoryEntries = 100

    let root: String
    let shared: String
    let fileSize: UInt64

    init(fileSize: UInt64) throws {
        var template = Array("/tmp/strait-load-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw DriverError.system("mkdtemp") }
        root = String(cString: made)
        shared = root + "/shared"
        self.fileSize = fileSize
        try check(mkdir(shared, 0o755), "mkdir \(shared)")
        try writeFile(shared + "/" + Self.statTarget, size: 4096)
        try writeFile(shared + "/" + Self.dataFile, size: fileSize)
        try check(mkdir(shared + "/" + Self.directory, 0o755), "mkdir dir")
        for i in 0..<Self.directoryEntries {
            try writeFile(shared + "/\(Self.directory)/file-\(i)", size: UInt64(i * 10))
        }
    }

    /// Removes everything under the run directory (logs included).
    func remove() {
        _ = try? Subprocess.run(["rm", "-rf", root], timeout: 30)
    }

    private func check(_ rc: Int32, _ what: String) throws {
        if rc != 0 { throw DriverError.system(what) }
    }

    /// A file of `size` bytes with nonzero, position-dependent content (so reads are not of holes).
    private func writeFile(_ path: String, size: UInt64) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DriverError.system("create \(path)") }
        defer { close(fd) }
        var block = [UInt8](repeating: 0, count: 1 << 20)
        var done: UInt64 = 0
        while done < size {
            for i in stride(from: 0, to: block.count, by: 512) { block[i] = UInt8(truncatingIfNeeded: (done + UInt64(i)) >> 9) | 1 }
            let n = Int(min(UInt64(block.count), size - done))
            let w = block.withUnsafeBytes { pwrite(fd, $0.baseAddress, n, off_t(done)) }
            guard w == n else { throw DriverError.system("write \(path)") }
            done += UInt64(n)
        }
    }
}
