import DaemonLaunch
import FUSE
import Glibc
import Posix
import VhostUserDriver

/// The hardening suite's hostile-guest vectors, in one place: each is a sequence of requests a
/// malicious guest kernel could send, checked on the host for the safe outcome (no device or FIFO
/// opened, nothing read or created outside the share, privileged xattrs refused) and for a daemon
/// that still answers afterwards. Tests/VhostUserDriverTests/HostileGuestTests runs them against
/// every daemon and sandbox; `strait-load --hostile` runs them as the gate's hostile cell, so the
/// gate and the tests share one implementation. A vector returns findings; empty means safe.
public enum HostileVector: String, CaseIterable, Sendable {
    case deviceNode = "device-node"
    case fifo
    case dotDot = "dot-dot"
    case symlinksOut = "symlinks-out"
    case badNames = "bad-names"
    case staleIdentifiers = "stale-ids"
    case hugeNumbers = "huge-numbers"
    case privilegedXattrs = "trusted-xattr"
    case mappingOffsets = "mapping-offsets"
    /// More live 4 KiB maps than a backend has memory slots: each is a memory region of every
    /// vhost-user backend of the VM, so a daemon must refuse past its budget, not die.
    case mapFlood = "map-flood"
    /// Needs a daemon started with an xattr map (`HostileGuest.xattrMap`); not a gate vector.
    case xattrmapPrefix = "xattrmap-prefix"

    /// The vectors any daemon (as the gate starts it) is held to.
    public static let gate: [HostileVector] = allCases.filter { $0 != .xattrmapPrefix }

    /// Why this vector cannot run here, or nil: making a device node and setting trusted.* (the
    /// refusal that matters) need root.
    public var unmetRequirement: String? {
        switch self {
        case .deviceNode: geteuid() == 0 ? nil : "mknod of a device needs root"
        case .privilegedXattrs, .xattrmapPrefix: geteuid() == 0 ? nil : "as root only a dropped capability refuses trusted.*"
        default: nil
        }
    }

    /// Runs this vector against a fresh daemon on a fresh share; thrown errors (the daemon did
    /// not start, a legitimate request failed) are findings too.
    public func run(against command: DaemonCommandLine) -> [String] {
        var findings = Findings()
        do {
            let session = try HostileSession(command, daxWindow: self == .mappingOffsets || self == .mapFlood ? 64 << 20 : nil)
            defer { session.close() }
            try body(session, &findings)
            session.stillAnswers(&findings)
        } catch {
            findings.add("\(error)")
        }
        return findings.all.map { "\(command.name) \(rawValue): \($0)" }
    }
}

/// What one vector found.
struct Findings {
    private(set) var all: [String] = []
    mutating func add(_ what: String) { all.append(what) }
    mutating func check(_ holds: Bool, _ what: @autoclosure () -> String) { if !holds { add(what()) } }
    /// The request must be refused (the daemon answers with an error).
    mutating func refused<T>(_ what: @autoclosure () -> String, _ request: () throws(DriverError) -> T) {
        if (try? request()) != nil { add(what()) }
    }
}

/// A temp dir with a share, a socket and a running daemon, a connected and initialised client;
/// `close` ends the daemon and removes it all.
final class HostileSession {
    let root: String
    let shared: String
    let process: Subprocess
    let client: FuseClient
    let name: String

    init(_ command: DaemonCommandLine, daxWindow: UInt64?) throws {
        var template = Array("/tmp/strait-hostile-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw DriverError.system("mkdtemp") }
        root = String(cString: made)
        shared = root + "/shared"
        name = command.name
        mkdir(shared, 0o755)
        let socket = root + "/vhost.sock"
        let p = try Subprocess(name: command.name, arguments: command.expanded(socket: socket, dir: shared), logPath: root + "/daemon.log")
        process = p
        do {
            var config = FrontendConfiguration()
            config.memory = GuestMemoryLayout(size: 64 << 20, regionCount: 2)
            if let daxWindow { config.daxWindowSize = daxWindow }
            let frontend: VhostUserFrontend
            do { frontend = try VhostUserFrontend(socketPath: socket, configuration: config, alive: { p.isAlive }) } catch {
                throw p.failure("failed during setup: \(error)")
            }
            client = try FuseClient(frontend: frontend)
            client.callTimeout = 5
            _ = try client.initialize()
        } catch {
            Self.remove(root, p)
            throw error
        }
    }

    func close() {
        client.close()
        Self.remove(root, process)
    }

    private static func remove(_ root: String, _ process: Subprocess) {
        process.stop()
        _ = try? Subprocess.run(["rm", "-rf", root], timeout: 10)
    }

    /// The daemon still serves: alive, and GETATTR of the root answers.
    func stillAnswers(_ findings: inout Findings) {
        guard process.isAlive else {
            return findings.add("the daemon died: " + process.lastLogLines(3).joined(separator: " | "))
        }
        findings.check((try? client.getattr(node: FuseProtocol.rootID)) != nil, "the daemon stopped answering")
    }
}

/// Host-side file helpers for the vectors' setup and checks.
enum HostFile {
    static func write(_ path: String, _ bytes: [UInt8]) throws(DriverError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DriverError.system("open \(path)") }
        defer { Glibc.close(fd) }
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw DriverError.system("write \(path)") }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
