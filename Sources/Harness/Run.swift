import Foundation
import Glibc
import GuestImage
import Posix
import Synchronization

/// One harness run: an id, a directory for everything it creates (overlays, sockets, console
/// logs, shared dirs) and a lock held while it lives. Everything it names starts with
/// `strait-<id>`, which is how `sweep` recognises our leftovers and only ours.
public final class Run: Sendable {
    /// Parent of every run directory.
    public static var root: String {
        ProcessInfo.processInfo.environment["STRAIT_RUN_ROOT"] ?? "/tmp/strait-runs"
    }
    /// Failure bundles live outside run directories so sweeping never deletes evidence.
    public static var bundles: String {
        ProcessInfo.processInfo.environment["STRAIT_BUNDLES"] ?? "/tmp/strait-bundles"
    }
    public static let prefix = "strait-"

    public let id: String
    public let directory: String
    /// flock'ed for the run's lifetime; sweep treats a run whose lock it can take as dead.
    private let lockFD: Int32

    public init(id: String = Run.newID(), root: String = Run.root) throws(HarnessError) {
        self.id = id
        directory = root + "/" + Run.prefix + id
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        } catch {
            throw HarnessError(.io, "cannot create run directory \(directory)", cause: error)
        }
        let fd = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw HarnessError(.io, "cannot lock the run", cause: SystemCallError("flock \(directory)/lock"))
        }
        lockFD = fd
    }

    private let released = Mutex(false)

    /// Drops the lock: from now on `sweep` may treat this run as dead. Idempotent.
    public func release() {
        let first = released.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { close(lockFD) }
    }

    deinit { release() }

    /// `20261122-040512-3fa9`: sortable, short, unique enough for one machine.
    public static func newID() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date()) + "-" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }

    /// Name for a domain, socket or file belonging to this run.
    public func name(_ suffix: String) -> String { Run.prefix + id + "-" + suffix }

    public func path(_ suffix: String) -> String { directory + "/" + suffix }

    /// A fresh subdirectory of the run directory.
    public func makeDirectory(_ suffix: String, mode: Int = 0o755) throws(HarnessError) -> String {
        let dir = path(suffix)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: mode])
        } catch {
            throw HarnessError(.io, "cannot create \(dir)", cause: error)
        }
        return dir
    }

    /// Removes the run directory (the lock goes with it). Call after everything is stopped.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
