import Foundation
import Glibc

/// How to start a virtio-fs daemon: a name and an argv template. `{socket}`, `{dir}` and
/// `{cache}` are replaced per share, so straitd, the C and the Rust virtiofsd all fit.
public struct DaemonSpec: Sendable, Equatable {
    public var name: String
    public var argv: [String]

    public init(name: String, argv: [String]) {
        self.name = name
        self.argv = argv
    }

    public func expand(socket: String, dir: String, cache: String) -> [String] {
        argv.map {
            $0.replacingOccurrences(of: "{socket}", with: socket)
                .replacingOccurrences(of: "{dir}", with: dir)
                .replacingOccurrences(of: "{cache}", with: cache)
        }
    }

    public var executable: String? { argv.first }

    /// QEMU 7.2's C virtiofsd as ../shared/peers/install-peers.sh installs it.
    public static let cVirtiofsdPath = "/opt/virtiofs-peers/c/usr/lib/qemu/virtiofsd"
    public static let cVirtiofsd = DaemonSpec(name: "virtiofsd-c", argv: [
        cVirtiofsdPath, "--socket-path={socket}", "-o", "source={dir},cache={cache},xattr",
    ])

    /// straitd with libvirt 9.0's option style.
    public static func straitd(binary: String) -> DaemonSpec {
        DaemonSpec(name: "straitd", argv: [binary, "--socket-path={socket}", "-o", "source={dir},cache={cache},xattr"])
    }
}

/// A running daemon we started: its process, socket and log. Stopped with SIGTERM, a grace
/// period, then SIGKILL; `stop` reports how it ended so a crash is not mistaken for a clean exit.
public final class DaemonProcess: @unchecked Sendable {
    public let spec: DaemonSpec
    public let socket: String
    public let log: String
    public let argv: [String]
    private let process: Process
    private let lock = NSLock()

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Starts the daemon and waits until its socket exists (or it dies, or `timeout` passes).
    public init(spec: DaemonSpec, socket: String, dir: String, cache: String, log: String,
                timeout: Double = 15) throws(HarnessError) {
        self.spec = spec
        self.socket = socket
        self.log = log
        argv = spec.expand(socket: socket, dir: dir, cache: cache)
        guard let exe = argv.first, FileManager.default.isExecutableFile(atPath: exe) else {
            throw HarnessError(.prerequisite, "\(spec.name): \(argv.first ?? "<empty argv>") is not executable")
        }
        unlink(socket)
        process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = Array(argv.dropFirst())
        FileManager.default.createFile(atPath: log, contents: Data("# \(argv.joined(separator: " "))\n".utf8))
        let handle = FileHandle(forWritingAtPath: log)
        handle?.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw HarnessError(.daemon, "\(spec.name): cannot start \(exe): \(error)")
        }
        try? handle?.close()
        let deadline = Date().addingTimeInterval(timeout)
        while !FileManager.default.fileExists(atPath: socket) {
            guard process.isRunning else {
                throw HarnessError(.daemon, "\(spec.name) exited (\(process.terminationStatus)) before creating \(socket); log \(log)")
            }
            guard Date() < deadline else {
                _ = stop()
                throw HarnessError(.daemon, "\(spec.name) did not create \(socket) within \(Int(timeout)) s; log \(log)")
            }
            usleep(20_000)
        }
        // The VMM runs as root here, but keep the socket usable by libvirt-qemu anyway.
        chmod(socket, 0o777)
    }

    public enum Ending: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32), signalled(Int32), killed
        public var description: String {
            switch self {
            case let .exited(code): return "exited \(code)"
            case let .signalled(sig): return "terminated by signal \(sig)"
            case .killed: return "killed after the grace period"
            }
        }
    }

    /// SIGTERM, wait up to `grace` seconds, then SIGKILL. Idempotent.
    @discardableResult
    public func stop(grace: Double = 5) -> Ending {
        lock.lock()
        defer { lock.unlock() }
        var killed = false
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(grace)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killed = true
            }
        }
        process.waitUntilExit()
        unlink(socket)
        if killed { return .killed }
        return process.terminationReason == .uncaughtSignal
            ? .signalled(process.terminationStatus) : .exited(process.terminationStatus)
    }

    deinit { stop(grace: 1) }
}
