import DaemonLaunch
import Glibc
import Posix
import Testing
import VhostUserDriver

/// The daemons these tests drive, as `NAME=COMMAND` with placeholders: straitd (built beside
/// this test binary) and both reference daemons, so every check is held against all three.
/// STRAIT_DRIVER_DAEMONS (";"-separated specs) replaces the list.
enum PeerDaemons {
    static let cBinary = DaemonKind.cVirtiofsdPath
    static let rustBinary = DaemonKind.rustVirtiofsdPath

    static var all: [DaemonCommandLine] {
        if let env = getenv("STRAIT_DRIVER_DAEMONS") {
            return String(cString: env).split(separator: ";").compactMap { try? DaemonCommandLine(spec: String($0)) }
        }
        return [
            DaemonCommandLine(name: "straitd", arguments: [straitdBinary, "--socket-path={socket}", "--shared-dir={dir}",
                                                    "--cache=auto", "--xattr", "--sandbox=none"]),
            DaemonCommandLine(name: "virtiofsd-c", arguments: [cBinary, "--socket-path={socket}", "-o", "source={dir},cache=auto,xattr,posix_lock"]),
            DaemonCommandLine(name: "virtiofsd-rust", arguments: [rustBinary, "--socket-path={socket}", "--shared-dir={dir}", "--cache=auto", "--xattr"]),
        ]
    }

    /// straitd from the same build as this test bundle (SwiftPM puts products side by side).
    static var straitdBinary: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "straitd" }
        let exe = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)]) + "/straitd"
    }

    static func available(_ d: DaemonCommandLine) -> Bool { access(d.arguments.first ?? "", X_OK) == 0 }

    /// The daemons whose binaries are here: the parameterized tests run against these. A missing
    /// one is not silently dropped: `ReferenceDaemonsTests` is then skipped with its name, and
    /// scripts/test.sh fails on that skip after host-setup (STRAIT_ALLOW_SKIPS=1 opts out).
    static var runnable: [DaemonCommandLine] { all.filter(available) }

    /// nil when every daemon is installed; otherwise which are missing.
    static var missing: String? {
        let absent = all.filter { !available($0) }.map { "\($0.name) (\($0.arguments.first ?? ""))" }
        return absent.isEmpty ? nil : "not installed: " + absent.joined(separator: ", ") + "; run scripts/install-peers.sh"
    }
}

/// The loud side of `PeerDaemons.runnable`: skipped, with the reason, when a daemon is missing.
@Suite struct ReferenceDaemonsTests {
    @Test("every daemon the driver tests compare is installed and runs",
          .enabled(if: PeerDaemons.missing == nil, Comment(rawValue: PeerDaemons.missing ?? "")))
    func installed() {
        #expect(PeerDaemons.runnable.map(\.name) == PeerDaemons.all.map(\.name))
    }
}

/// A temp dir with a shared directory, a socket path and a running daemon; removes all of it.
final class DaemonFixture {
    let root: String
    let shared: String
    let socket: String
    let process: Subprocess

    init(_ command: DaemonCommandLine) throws {
        var template = Array("/tmp/strait-driver-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw DriverError.system("mkdtemp") }
        root = String(cString: made)
        shared = root + "/shared"
        socket = root + "/vhost.sock"
        mkdir(shared, 0o755)
        process = try Subprocess(name: command.name, arguments: command.expanded(socket: socket, dir: shared),
                                    logPath: root + "/daemon.log")
    }

    func connect(_ configure: (inout FrontendConfiguration) -> Void = { _ in }) throws -> VhostUserFrontend {
        var config = FrontendConfiguration()
        config.memory = GuestMemoryLayout(size: 64 << 20, regionCount: 2)
        configure(&config)
        do {
            return try VhostUserFrontend(socketPath: socket, configuration: config, alive: { process.isAlive })
        } catch {
            throw process.failure("failed during setup: \(error)")
        }
    }

    deinit {
        process.stop()
        _ = try? runRemove(root)
    }

    private func runRemove(_ path: String) throws {
        _ = try Subprocess.run(["rm", "-rf", path], timeout: 10)
    }
}
