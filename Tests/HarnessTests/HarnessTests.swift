import Foundation
@testable import Harness
import Testing

struct RunAndSweepTests {
    @Test func runIDsRoundTripThroughDomainNames() throws {
        let id = Run.newID()
        #expect(Sweeper.runID(fromName: "strait-\(id)-vm0") == id)
        #expect(Sweeper.runID(fromName: "strait-\(id)-virtiofsd-c-binary") == id)
        #expect(Sweeper.runID(fromName: "strait-20261122-040512-3fa9") == "20261122-040512-3fa9")
        // Not ours: other prefixes, or names that only look similar.
        #expect(Sweeper.runID(fromName: "straitd-20261122-040512-3fa9-vm0") == nil)
        #expect(Sweeper.runID(fromName: "strait-test-vm") == nil)
        #expect(Sweeper.runID(fromName: "debian12") == nil)
        #expect(Sweeper.runID(fromName: "strait-2026112-040512-3fa9-x") == nil)
    }

    @Test func aRunIsLiveWhileItHoldsItsLockAndStaleAfter() throws {
        let root = NSTemporaryDirectory() + "strait-harness-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try Run(root: root)
        #expect(run.directory.hasPrefix(root + "/strait-"))
        #expect(Sweeper.isLive(run.directory))
        run.release()
        #expect(!Sweeper.isLive(run.directory))
        #expect(run.name("vm0") == "strait-\(run.id)-vm0")
    }

    @Test func findsProcessesByCommandLine() throws {
        let marker = "/tmp/strait-harness-marker-\(UInt32.random(in: 0...UInt32.max))"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
        p.arguments = ["-e", "sleep 30", marker]
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        // Right after spawn the child may not have exec'ed yet (its cmdline is still ours).
        var found = Sweeper.processes(containing: marker)
        let deadline = Date().addingTimeInterval(5)
        while found.isEmpty && Date() < deadline {
            usleep(20_000)
            found = Sweeper.processes(containing: marker)
        }
        #expect(found.map(\.pid) == [p.processIdentifier])
        let killed = Sweeper.killProcesses(containing: marker)
        #expect(killed.killed.count == 1 && killed.survivors.isEmpty, "\(killed)")
        p.waitUntilExit()
        #expect(Sweeper.processes(containing: marker).isEmpty)
    }
}

struct GuestCheckTests {
    static let complete = """
        INFO mode=none
        PASS create_write_read 1 MiB random
        UNSUPPORTED fio_mmap expected on cache=none without DAX: error=No such device
        PASS tar_extract 2000 files
        SUMMARY pass=2 fail=0 unsupported=1
        """

    @Test func parsesLinesAndPassesACompleteCleanRun() {
        let r = GuestCheckResult(label: "x", output: Self.complete, exitStatus: 0, seconds: 1)
        #expect(r.passes.map(\.name) == ["create_write_read", "tar_extract"])
        #expect(r.unsupported.first?.detail.contains("No such device") == true)
        #expect(r.completed && r.passed)
    }

    @Test func aFailureATruncatedRunOrABadExitNeverPasses() {
        let failed = Self.complete.replacingOccurrences(of: "PASS tar_extract", with: "FAIL tar_extract")
        #expect(!GuestCheckResult(label: "x", output: failed, exitStatus: 1, seconds: 1).passed)
        let truncated = Self.complete.replacingOccurrences(of: "SUMMARY pass=2 fail=0 unsupported=1", with: "")
        #expect(!GuestCheckResult(label: "x", output: truncated, exitStatus: 0, seconds: 1).passed)
        #expect(!GuestCheckResult(label: "x", output: Self.complete, exitStatus: 255, seconds: 1).passed)
        #expect(!GuestCheckResult(label: "x", output: "SUMMARY pass=0 fail=0 unsupported=0", exitStatus: 0, seconds: 1).passed)
    }
}
