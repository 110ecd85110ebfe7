import Foundation
import Glibc
import Libvirt
import Posix

/// Removes what dead runs left behind: domains, daemons, sockets, overlays, shared-memory files.
/// Recognises only our own things (names starting with `strait-<run id>`), and only for runs
/// whose lock nobody holds, so a sweep never touches a run in progress on the same host.
public struct Sweeper: Sendable {
    public struct Report: Sendable, CustomStringConvertible {
        public var runs: [String] = []
        public var domains: [String] = []
        public var processes: [String] = []
        public var files: [String] = []
        public var skippedLive: [String] = []
        public var errors: [String] = []

        public var description: String {
            var lines = ["sweep: \(runs.count) stale run(s), \(domains.count) domain(s), \(processes.count) process(es), \(files.count) file(s) removed; \(skippedLive.count) live run(s) left alone"]
            lines += domains.map { "  domain \($0)" } + processes.map { "  process \($0)" } + files.map { "  removed \($0)" }
            lines += errors.map { "  error: \($0)" }
            return lines.joined(separator: "\n")
        }
    }

    public let uri: String
    public init(uri: String = Connection.defaultURI) { self.uri = uri }

    /// Sweeps every stale run (or only `runID`, which must also be stale).
    public func sweep(runID: String? = nil) -> Report {
        var report = Report()
        var stale: Set<String> = []
        let fm = FileManager.default
        for entry in (try? fm.contentsOfDirectory(atPath: Run.root)) ?? [] where entry.hasPrefix(Run.prefix) {
            let id = String(entry.dropFirst(Run.prefix.count))
            if let runID, id != runID { continue }
            if Self.isLive(Run.root + "/" + entry) { report.skippedLive.append(id) } else { stale.insert(id) }
        }
        let connection = try? Connection(uri: uri)
        if connection == nil { report.errors.append("cannot connect to \(uri); domains not swept") }
        let domains = (try? connection?.domains(prefix: Run.prefix)) ?? []
        // A domain whose run directory is gone is a leftover too (its run cannot be alive).
        for domain in domains {
            guard let id = Self.runID(fromName: domain.name) else { continue }
            if let runID, id != runID { continue }
            if !report.skippedLive.contains(id) { stale.insert(id) }
        }
        for domain in domains {
            guard let id = Self.runID(fromName: domain.name), stale.contains(id) else { continue }
            if domain.isActive() {
                do { try domain.destroy() } catch { report.errors.append("\(error)") }
            }
            try? domain.undefine()
            report.domains.append(domain.name)
        }
        for id in stale.sorted() {
            let marker = Run.prefix + id
            let ended = Self.killProcesses(containing: Run.root + "/" + marker)
            report.processes += ended.killed
            report.errors += ended.survivors
            for dir in ["/dev/shm", "/var/lib/libvirt/qemu/ram"] {
                for entry in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where entry.contains(marker) {
                    if (try? fm.removeItem(atPath: dir + "/" + entry)) != nil { report.files.append(dir + "/" + entry) }
                }
            }
            let runDir = Run.root + "/" + marker
            if fm.fileExists(atPath: runDir) {
                do {
                    try fm.removeItem(atPath: runDir)
                    report.files.append(runDir)
                } catch { report.errors.append("cannot remove \(runDir): \(error)") }
            }
            report.runs.append(id)
        }
        return report
    }

    /// A run is live while some process holds the flock on its lock file.
    static func isLive(_ runDir: String) -> Bool {
        let fd = open(runDir + "/lock", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    /// `strait-20261122-040512-3fa9-vm0` -> `20261122-040512-3fa9`.
    public static func runID(fromName name: String) -> String? {
        guard name.hasPrefix(Run.prefix) else { return nil }
        let parts = name.dropFirst(Run.prefix.count).split(separator: "-", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0].count == 8, parts[1].count == 6, parts[2].count == 4,
              parts[0].allSatisfy(\.isNumber), parts[1].allSatisfy(\.isNumber), parts[2].allSatisfy(\.isHexDigit)
        else { return nil }
        return parts[0...2].joined(separator: "-")
    }

    /// Processes whose command line mentions `needle` (our daemons name their socket and
    /// shared dir inside the run directory). SIGTERM, a short grace, then SIGKILL.
    public static func processes(containing needle: String) -> [(pid: Int32, cmdline: String)] {
        let me = getpid()
        return ProcessUsage.Table.read(commandLines: true).processes(commandLineContaining: needle).filter { $0.pid != me }
    }

    /// Exists and is not a zombie (a dead child its parent has not reaped yet).
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return false }
        let text = String(decoding: stat, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return true }
        return !text[text.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Ends the processes whose command line mentions `needle` as `Subprocess.stop` ends a child
    /// (`Escalation`: SIGTERM, 3 s, SIGKILL, 5 s): the ones found, and those still there after
    /// SIGKILL with where they are stuck (they are not ours to reap; init does once they die).
    static func killProcesses(containing needle: String) -> (killed: [String], survivors: [String]) {
        let victims = processes(containing: needle)
        let pids = victims.map(\.pid)
        let living = { pids.filter(isAlive) }
        _ = Escalation.end(grace: 3, killWait: 5, alive: { !living().isEmpty },
                           terminate: { for p in pids { kill(p, SIGTERM) } },
                           kill: { for p in living() { kill(p, SIGKILL) } })
        let survivors = living().map { "process \($0) did not exit within 5 s of SIGKILL: \(Subprocess.whereStuck($0))" }
        return (victims.map { "\($0.pid) \($0.cmdline.prefix(160))" }, survivors)
    }
}
