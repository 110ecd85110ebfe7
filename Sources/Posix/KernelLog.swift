import Glibc

/// The one reader of the kernel's log (the printk ring buffer through /dev/kmsg): the kernel's
/// audit records land there when no audit daemon takes them, and they are the only witness of a
/// seccomp kill (the killed process writes nothing of its own).
public enum KernelLog {
    /// Every message in the ring buffer now, oldest first, without blocking: /dev/kmsg opened
    /// non-blocking hands out one record per read and EAGAIN at the end. A record overwritten
    /// while reading (EPIPE) is skipped. Fails when /dev/kmsg cannot be opened or read: not root,
    /// or `kernel.dmesg_restrict` (the error says which setting).
    public static func messages(path: String = "/dev/kmsg") throws(SystemCallError) -> [String] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw SystemCallError(openWhat(path)) }
        defer { close(fd) }
        var out: [String] = []
        // A record is at most ~1 KiB of text plus its dictionary; 16 KiB never gets EINVAL.
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                if let message = message(record: buffer[..<n]) { out.append(message) }
                continue
            }
            if n == 0 || errno == EAGAIN { return out }
            if errno == EPIPE || errno == EINTR { continue }
            throw SystemCallError("read \(path)")
        }
    }

    /// The text of one /dev/kmsg record: "PRI,SEQ,USEC,FLAGS[,...];MESSAGE\n" followed by
    /// " KEY=VALUE" dictionary lines, which are dropped.
    static func message(record: ArraySlice<UInt8>) -> String? {
        guard let semicolon = record.firstIndex(of: UInt8(ascii: ";")) else { return nil }
        let rest = record[(semicolon + 1)...]
        let end = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
        return String(decoding: rest[..<end], as: UTF8.self)
    }

    /// "open /dev/kmsg", with kernel.dmesg_restrict's value when it is set (it is the usual
    /// reason a non-root reader is refused).
    private static func openWhat(_ path: String) -> String {
        let restrict = ProcessUsage.readFile("/proc/sys/kernel/dmesg_restrict")?.split(separator: "\n").first
        return "open \(path)" + (restrict == "1" && geteuid() != 0 ? " (kernel.dmesg_restrict=1, not root)" : "")
    }
}
