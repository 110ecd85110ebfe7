import Glibc

/// A whole file's bytes, read until EOF (procfs files report size 0, so no size is trusted);
/// nil when it cannot be opened or read. The one reader for /proc files, logs and fuzz corpora.
public func readWholeFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { return nil }
        if n == 0 { return out }
        out += buffer[0..<n]
    }
}
