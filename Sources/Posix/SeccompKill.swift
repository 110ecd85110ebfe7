/// One kernel audit record of a seccomp kill (type=1326, AUDIT_SECCOMP, with a SECCOMP_RET_KILL_*
/// action), as the kernel prints it when no audit daemon is running:
///
///     audit: type=1326 audit(1795901659.921:4905): auid=4294967295 uid=0 gid=0 ses=4294967295
///     pid=4710 comm="pool" exe="/opt/.../virtiofsd" sig=31 arch=c000003e syscall=204 compat=0
///     ip=0x7f2d1c51c2eb code=0x80000000
///
/// `pid` is the process (thread group) id, `comm` the name of the thread that made the call.
/// Other actions (log, trap, errno) are not kills and are not parsed.
public struct SeccompKill: Sendable, Equatable {
    /// The audit timestamp: wall-clock milliseconds since the epoch (the kernel's coarse clock).
    public var epochMilliseconds: Int64
    public var serial: UInt64
    public var pid: Int32
    public var comm: String
    public var exe: String?
    public var arch: UInt32
    public var syscall: Int
    /// The filter's return value: SECCOMP_RET_KILL_PROCESS (0x80000000) or _KILL_THREAD (0).
    public var code: UInt32
    /// The record as read.
    public var line: String

    /// AUDIT_ARCH_X86_64: the only architecture whose system calls are named here.
    public static let archX86_64: UInt32 = 0xc000_003e

    /// The whole process was killed (SECCOMP_RET_KILL_PROCESS), not just the calling thread.
    public var killsProcess: Bool { code & 0xffff_0000 == 0x8000_0000 }

    /// "sched_getaffinity (x86_64 syscall 204)"; on another architecture only the number.
    public var syscallDescription: String {
        if arch == Self.archX86_64, let name = Self.x86_64Names[syscall] { return "\(name) (x86_64 syscall \(syscall))" }
        if arch == Self.archX86_64 { return "x86_64 syscall \(syscall)" }
        return "syscall \(syscall) (audit arch 0x\(String(arch, radix: 16)))"
    }

    /// "its seccomp filter killed thread 'pool' (pid 4710) on sched_getaffinity (x86_64 syscall 204)".
    public var summary: String {
        let whom = killsProcess ? "thread '\(comm)' (pid \(pid))" : "thread '\(comm)' of pid \(pid) (that thread only)"
        return "its seccomp filter killed \(whom) on \(syscallDescription)"
    }

    /// Parses one kernel log message; nil unless it is a seccomp audit record with a kill action.
    /// The "audit: " prefix is optional (auditd's own log has none).
    public static func parse<S: StringProtocol>(_ text: S) -> SeccompKill? {
        var s = Substring(text)
        if s.hasPrefix("audit: ") { s = s.dropFirst(7) }
        guard s.hasPrefix("type=1326 audit("), let close = s.firstIndex(of: ")") else { return nil }
        let stamp = s[s.index(s.startIndex, offsetBy: 16)..<close]
        let parts = stamp.split(separator: ":")
        guard parts.count == 2, let serial = UInt64(parts[1]), let ms = milliseconds(parts[0]) else { return nil }
        var fields: [Substring: Substring] = [:]
        for token in s[s.index(after: close)...].split(separator: " ") {
            guard let eq = token.firstIndex(of: "=") else { continue }
            let key = token[..<eq]
            if fields[key] == nil { fields[key] = token[token.index(after: eq)...] }
        }
        guard let pid = fields["pid"].flatMap({ Int32($0) }),
              let arch = fields["arch"].flatMap({ UInt32($0, radix: 16) }),
              let syscall = fields["syscall"].flatMap({ Int($0) }),
              let codeText = fields["code"], codeText.hasPrefix("0x"), let code = UInt32(codeText.dropFirst(2), radix: 16)
        else { return nil }
        let action = code & 0xffff_0000
        guard action == 0x8000_0000 || action == 0 else { return nil }
        return SeccompKill(epochMilliseconds: ms, serial: serial, pid: pid, comm: fields["comm"].map(untrusted) ?? "?",
                           exe: fields["exe"].map(untrusted), arch: arch, syscall: syscall, code: code, line: String(text))
    }

    /// "1795901659.921" -> 1795901659921.
    static func milliseconds(_ text: Substring) -> Int64? {
        let p = text.split(separator: ".", omittingEmptySubsequences: false)
        guard p.count == 2, p[1].count == 3, let s = Int64(p[0]), let ms = Int64(p[1]) else { return nil }
        return s * 1000 + ms
    }

    /// An audit "untrusted string": quoted as is, or (when it holds a space, a quote or a control
    /// character) hex without quotes. Control characters are shown as '?' so a thread's name
    /// cannot forge lines in a report.
    static func untrusted(_ value: Substring) -> String {
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { return String(value.dropFirst().dropLast()) }
        guard value.count % 2 == 0, !value.isEmpty, value.allSatisfy(\.isHexDigit) else { return String(value) }
        var bytes: [UInt8] = []
        var i = value.startIndex
        while i < value.endIndex {
            let j = value.index(i, offsetBy: 2)
            bytes.append(UInt8(value[i..<j], radix: 16) ?? 0x3f)
            i = j
        }
        return String(decoding: bytes.map { $0 < 0x20 || $0 == 0x7f ? 0x3f : $0 }, as: UTF8.self)
    }
}
