import CShims
import DaemonLaunch
import FUSE
import Glibc
import Posix
import VhostUserDriver

/// The vectors themselves (what each sends, what must hold on the host).
extension HostileVector {
    func body(_ s: HostileSession, _ f: inout Findings) throws {
        let client = s.client
        let root = FuseProtocol.rootID
        switch self {
        case .deviceNode:
            // CVE-2020-35517. /dev/urandom is 1:9; FUSE's rdev is the kernel's new_encode_dev: minor | major << 8.
            _ = try? client.mknod(parent: root, name: "urnd", mode: Glibc.S_IFCHR | 0o666, rdev: 1 << 8 | 9)
            for flags in [O_RDWR | O_CREAT, O_RDONLY | O_CREAT] {
                if let (_, h) = try? client.create(parent: root, name: "urnd", flags: flags) {
                    f.add("CREATE (flags \(flags)) opened a host device")
                    if let bytes = try? client.read(node: root, handle: h.fh, offset: 0, size: 64), !bytes.isEmpty {
                        f.add("READ returned \(bytes.count) bytes of the host device")
                    }
                }
            }
            if let node = try? client.lookup(parent: root, name: "urnd"), (try? client.open(node: node.nodeid, flags: O_RDONLY)) != nil {
                f.add("OPEN opened a host device")
            }
        case .fifo:
            guard mkfifo(s.shared + "/fifo", 0o666) == 0 else { throw DriverError.system("mkfifo on the host") }
            for flags in [O_RDONLY | O_CREAT, O_WRONLY | O_CREAT, O_RDWR | O_CREAT] {
                do {
                    _ = try client.create(parent: root, name: "fifo", flags: flags)
                    f.add("CREATE opened a FIFO (flags \(flags))")
                } catch {
                    f.check(error.code != .timeout, "CREATE of a FIFO blocked the queue (flags \(flags))")
                }
            }
            if let node = try? client.lookup(parent: root, name: "fifo") {
                f.refused("OPEN opened a FIFO") { () throws(DriverError) in try client.open(node: node.nodeid, flags: O_RDONLY) }
            }
        case .dotDot:
            try HostFile.write(s.root + "/beside", Array("outside".utf8))
            guard mkdir(s.shared + "/sub", 0o755) == 0 else { throw DriverError.system("mkdir on the host") }
            var node = try client.lookup(parent: root, name: "sub").nodeid
            for _ in 0..<4 { node = try client.lookup(parent: node, name: "..").nodeid }
            f.refused("a file beside the share was reachable through '..'") { () throws(DriverError) in try client.lookup(parent: node, name: "beside") }
            if let (entry, h) = try? client.create(parent: node, name: "planted") {
                try? client.release(node: entry.nodeid, handle: h.fh)
            }
            f.check(!HostFile.exists(s.root + "/planted"), "created a file above the share")
        case .symlinksOut:
            try HostFile.write(s.root + "/secret", Array("host secret".utf8))
            guard symlink(s.root, s.shared + "/hostdir") == 0, symlink(s.root + "/secret", s.shared + "/hostfile") == 0 else {
                throw DriverError.system("symlink on the host")
            }
            _ = try? client.symlink(parent: root, name: "guestlink", target: "../secret")
            for name in ["hostdir", "guestlink"] {
                let link = try client.lookup(parent: root, name: name)
                f.check(link.attr.mode & UInt32(Glibc.S_IFMT) == UInt32(Glibc.S_IFLNK), "\(name) is not reported as a symlink")
                f.refused("LOOKUP followed the symlink \(name) out of the share") { () throws(DriverError) in try client.lookup(parent: link.nodeid, name: "secret") }
            }
            let file = try client.lookup(parent: root, name: "hostfile")
            f.refused("OPEN followed a symlink out of the share") { () throws(DriverError) in try client.open(node: file.nodeid, flags: O_RDONLY) }
            f.refused("CREATE followed a symlink out of the share") { () throws(DriverError) in
                try client.create(parent: root, name: "hostfile", flags: O_RDWR | O_CREAT)
            }
            f.check(readWholeFile(s.root + "/secret") == Array("host secret".utf8), "the file outside the share changed")
        case .badNames:
            for name in ["../escape", "a/b", "/abs", "..", ".", "nul\u{0}x", String(repeating: "n", count: 300)] {
                _ = try? client.mkdir(parent: root, name: name)
                _ = try? client.create(parent: root, name: name)
                _ = try? client.mknod(parent: root, name: name, mode: Glibc.S_IFREG | 0o644)
                _ = try? client.symlink(parent: root, name: name, target: "/etc/passwd")
                if !s.process.isAlive {
                    return f.add("died on the name \(name.debugDescription.prefix(40)): \(s.process.lastLogLines(1).joined())")
                }
            }
            f.check(!HostFile.exists(s.root + "/escape"), "'../escape' created a file above the share")
            f.check(!HostFile.exists("/abs"), "'/abs' created a file at the host's root")
            f.check(!HostFile.exists(s.shared + "/a/b"), "'a/b' created a file in a subdirectory")
        case .staleIdentifiers:
            for node: UInt64 in [0, 2, 0xdead_beef, UInt64.max] {
                f.refused("GETATTR of node \(node) answered") { () throws(DriverError) in try client.getattr(node: node) }
                f.refused("LOOKUP under node \(node) answered") { () throws(DriverError) in try client.lookup(parent: node, name: "x") }
                f.refused("READ of node/handle \(node) answered") { () throws(DriverError) in try client.read(node: node, handle: node, offset: 0, size: 16) }
            }
            let (entry, h) = try client.create(parent: root, name: "f")
            try client.release(node: entry.nodeid, handle: h.fh)
            _ = try? client.release(node: entry.nodeid, handle: h.fh)
            f.refused("READ through a released handle answered") { () throws(DriverError) in
                try client.read(node: entry.nodeid, handle: h.fh, offset: 0, size: 16)
            }
            try client.forget(node: entry.nodeid, count: 1)
            try client.forget(node: entry.nodeid, count: 1)  // once too often: ignored
            try client.forget(node: 0xdead_beef, count: 7)
        case .hugeNumbers:
            let (entry, h) = try client.create(parent: root, name: "f")
            _ = try? client.write(node: entry.nodeid, handle: h.fh, offset: UInt64(Int64.max) - 2, data: [1, 2, 3, 4])
            _ = try? client.read(node: entry.nodeid, handle: h.fh, offset: UInt64.max - 10, size: 4096)
            _ = try? client.fallocate(node: entry.nodeid, handle: h.fh, offset: UInt64.max / 2, length: UInt64.max / 2)
            _ = try? client.setattr(node: entry.nodeid, FuseSetattrIn(valid: FuseSetattrValid.size, size: UInt64.max))
            var st = stat()
            f.check(stat(s.shared + "/f", &st) == 0 && st.st_blocks < 1024, "allocated \(st.st_blocks) blocks")
            try? client.release(node: entry.nodeid, handle: h.fh)
        case .privilegedXattrs:
            try HostFile.write(s.shared + "/f", [1])
            let file = try client.lookup(parent: root, name: "f")
            f.refused("set a trusted.* xattr on a host file") { () throws(DriverError) in
                try client.setxattr(node: file.nodeid, name: "trusted.overlay.opaque", value: Array("y".utf8))
            }
        case .mappingOffsets:
            let (entry, h) = try client.create(parent: root, name: "f")
            _ = try client.write(node: entry.nodeid, handle: h.fh, offset: 0, data: [UInt8](repeating: 7, count: 8192))
            let hostile: [(file: UInt64, length: UInt64, window: UInt64)] = [
                (0, 2 << 20, 16 << 20),                 // just past the window
                (0, UInt64.max, 0),                     // a length that wraps
                (0, 2 << 20, UInt64.max - 4095),        // a window offset that wraps
                (UInt64.max - 4095, 4096, 0),           // a file offset that wraps
                (0, 4096, 4095),                        // not page aligned
            ]
            for m in hostile {
                f.refused("mapped file \(m.file) length \(m.length) at window \(m.window)") { () throws(DriverError) in
                    try client.setupMapping(node: entry.nodeid, handle: h.fh, fileOffset: m.file, length: m.length, windowOffset: m.window)
                }
            }
            f.refused("mapped through a handle never issued") { () throws(DriverError) in
                try client.setupMapping(node: entry.nodeid, handle: 0xdead, fileOffset: 0, length: 4096, windowOffset: 0)
            }
        case .mapFlood:
            let (entry, h) = try client.create(parent: root, name: "f")
            _ = try client.write(node: entry.nodeid, handle: h.fh, offset: 0, data: [UInt8](repeating: 7, count: 8192))
            var accepted = 0
            for i: UInt64 in 0..<600 {
                if (try? client.setupMapping(node: entry.nodeid, handle: h.fh, fileOffset: 0, length: 4096, windowOffset: i * 8192)) != nil {
                    accepted += 1
                }
            }
            let live = client.frontend.dax?.liveMaps.count ?? 0
            f.check(live < 509, "\(live) live maps (accepted \(accepted) of 600), past a backend's 509 memory slots")
        case .xattrmapPrefix:
            try HostFile.write(s.shared + "/f", [1])
            let file = try client.lookup(parent: root, name: "f")
            _ = try? client.setxattr(node: file.nodeid, name: "trusted.overlay.opaque", value: Array("y".utf8))
            let names = Self.hostXattrNames(s.shared + "/f")
            f.check(!names.contains { $0.hasPrefix("trusted.") }, "set \(names) on the host")
        }
    }

    /// The xattr names a host file carries.
    static func hostXattrNames(_ path: String) -> [String] {
        var buffer = [CChar](repeating: 0, count: 4096)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        let n = strait_listxattr(fd, nil, &buffer, buffer.count)
        guard n > 0 else { return [] }
        return buffer[..<n].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }
}

extension HostileGuest {
    /// An xattr map confining the guest to user.virtiofs.* (the `xattrmap-prefix` vector's daemons).
    public static let xattrMap = ":prefix:all::user.virtiofs.::bad:all:::"
}

/// Runs vectors against one daemon and sums them up.
public enum HostileGuest {
    public struct Outcome: Sendable {
        public var daemon: String
        public var ran: [HostileVector] = []
        /// Vectors not run here, with the reason (loud: the gate prints them).
        public var notRun: [String] = []
        public var findings: [String] = []
    }

    public static func run(_ vectors: [HostileVector] = HostileVector.gate, against command: DaemonCommandLine,
                           progress: (String) -> Void = { _ in }) -> Outcome {
        var outcome = Outcome(daemon: command.name)
        for v in vectors {
            if let why = v.unmetRequirement {
                outcome.notRun.append("\(v.rawValue): \(why)")
                continue
            }
            progress("[hostile] \(command.name): \(v.rawValue) ...")
            outcome.findings += v.run(against: command)
            outcome.ran.append(v)
        }
        return outcome
    }
}
