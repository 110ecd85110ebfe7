import Foundation
import Testing
@testable import Matrix

@Suite struct FioTests {
    @Test func jobFileForRandrwMulti() {
        let job = FioJob(pattern: .randrw, engine: .psync, layout: .multi, size: "4G", runtime: 30)
        #expect(job.name == "randrw-psync-multi")
        #expect(job.jobFile(directory: "/mnt/share") == """
            [global]
            name=randrw-psync-multi
            directory=/mnt/share
            rw=randrw
            rwmixread=75
            bs=4k
            iodepth=16
            ioengine=psync
            direct=1
            size=4G
            runtime=30
            group_reporting=1

            [randrw-psync-multi]
            filename=fio-file1

            [randrw-psync-multi]
            filename=fio-file2

            [randrw-psync-multi]
            filename=fio-file3

            [randrw-psync-multi]
            filename=fio-file4

            """)
        #expect(job.command(jobFilePath: "/tmp/j.fio") == ["fio", "--output-format=json", "/tmp/j.fio"])
    }

    /// The unmeasured layout before each step: the same files, sizes and directory, set up only,
    /// with buffered psync so no engine's own setup (an mmap cache=none refuses) runs.
    @Test func layoutJobLaysOutTheSameFilesAndRunsNothing() {
        let job = FioJob(pattern: .randwrite, engine: .mmap, layout: .multi, size: "8M", runtime: 5, timeBased: true)
        let layout = job.layoutJobFile(directory: "/d")
        let measured = job.jobFile(directory: "/d")
        #expect(layout.contains("create_only=1\n"))
        #expect(layout.contains("ioengine=psync\n") && layout.contains("direct=0\n") && layout.contains("iodepth=1\n"))
        #expect(!layout.contains("ioengine=mmap"))
        for line in ["directory=/d", "size=8M", "filename=fio-file1", "filename=fio-file4", "rw=randwrite"] {
            #expect(layout.contains(line + "\n") && measured.contains(line + "\n"), "\(line)")
        }
        #expect(!measured.contains("create_only"))
    }

    @Test func mmapIsNotDirectAndSingleHasOneFile() {
        let job = FioJob(pattern: .seqread, engine: .mmap, size: "8M", runtime: 5, timeBased: true)
        let text = job.jobFile(directory: "/d")
        #expect(text.contains("direct=0\n"))
        #expect(text.contains("time_based=1\n"))
        #expect(!text.contains("rwmixread"))
        #expect(job.fileNames == ["fio-file1"])
        let args = job.commandLine(directory: "/d")
        #expect(args.contains("--direct=0"))
        #expect(args.contains("--output-format=json"))
        #expect(args.contains("--filename=fio-file1"))
    }

    @Test func shellQuoting() {
        #expect(shellQuote(["fio", "--name=a b", "it's"]) == "fio '--name=a b' 'it'\\''s'")
    }

    @Test func parsesRealFioOutputWithLeadingNotes() throws {
        let text = try Repo.fixture("fio-randrw-psync-multi.json")
        #expect(text.hasPrefix("note:"))
        let s = try FioSummary.parse(text)
        #expect(s.fioVersion == "fio-3.33")
        #expect(s.jobs.count == 1)
        #expect(s.jobs[0].name == "randrw-psync-multi")
        #expect(s.error == 0)
        #expect(s.read.bandwidthKiBps == 87210)
        #expect(abs(s.read.iops - 21802.598701) < 1e-6)
        #expect(s.write.bandwidthKiBps == 29221)
        #expect(s.read.clat(50) == 53504)
        #expect(s.read.clat(99) == 199680)
        #expect(s.read.clat(99.9) == 3424256)
        let m = s.metrics
        #expect(m["read.bw"] == 87210)
        #expect(m["write.bw"] == 29221)
        #expect(m["read.clat_p99"] == 199680)
    }

    /// fio's own output for mmap on a file that cannot be mapped (/dev/null: ENODEV, the error a
    /// 6.1 guest gives for mmap on virtio-fs cache=none without DAX).
    @Test func failedJobIsAnErrorWithFiosWords() throws {
        let s = try FioSummary.parse(try Repo.fixture("fio-mmap-enodev.json"))
        #expect(s.error == 19)
        #expect(s.read.ioBytes == 0)
        #expect(s.messages == ["fio: pid=20722, err=19/file:engines/mmap.c:118, func=mmap, error=No such device"])
        #expect(s.errorDescription == "seqread-mmap: fio: pid=20722, err=19/file:engines/mmap.c:118, func=mmap, error=No such device")
        var bare = s
        bare.messages = []
        #expect(bare.errorDescription == "seqread-mmap: error 19 (No such device)")
        let ok = try FioSummary.parse(try Repo.fixture("fio-randrw-psync-multi.json"))
        #expect(ok.errorDescription == nil)
        #expect(ok.messages.count == 2)
    }

    @Test func aggregatesUngroupedJobs() throws {
        let s = try FioSummary.parse(try Repo.fixture("fio-seqread-mmap-2jobs.json"))
        #expect(s.jobs.count == 2)
        #expect(s.read.bandwidthKiBps == 5_894_646 + 5_703_176)
        #expect(s.read.clat(99.99) == 6944)  // the worse of the two jobs
        #expect(s.metrics["write.bw"] == nil)  // a read job reports no write zeros
    }

    @Test func rejectsNonJSONAndTruncatedOutput() throws {
        #expect(throws: MatrixError.self) { try FioSummary.parse("fio: pid=1, err=2/file:filesetup.c") }
        let text = try Repo.fixture("fio-randrw-psync-multi.json")
        let truncated = String(text.prefix(text.count / 2))
        #expect(throws: MatrixError.self) { try FioSummary.parse(truncated) }
        do {
            _ = try FioSummary.parse(#"{"jobs": [{"jobname": "x", "read": {}}]}"#, source: "out.json")
            Issue.record("expected a failure")
        } catch {
            #expect(error.code == .fioOutput)
            #expect(error.file == "out.json")
            #expect(error.field?.hasPrefix("jobs[0]") == true)
        }
    }

    static let fioPath = ["/usr/bin/fio", "/usr/local/bin/fio"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Writes `text` as a job file in a fresh directory, runs the real fio on it with `arguments`
    /// before the file, and hands the directory, fio's exit status and stdout to `check`.
    static func withFio(jobFile text: (String) -> String, arguments: [String] = [], name: String,
                        _ check: (URL, Int32, Data) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strait-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let jobFile = dir.appendingPathComponent("job.fio")
        try text(dir.path).write(to: jobFile, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(fioPath))
        process.arguments = arguments + [jobFile.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try check(dir, process.terminationStatus, data)
    }

    /// Runs a rendered job file through the real fio and parses what it prints.
    @Test(.enabled(if: fioPath != nil, "fio is not installed"))
    func renderedJobRunsUnderRealFio() throws {
        let job = FioJob(pattern: .randrw, engine: .psync, layout: .multi, size: "1M", runtime: 1)
        #expect(job.command(jobFilePath: "J") == ["fio", "--output-format=json", "J"])
        try Self.withFio(jobFile: job.jobFile(directory:), arguments: ["--output-format=json"], name: "fio") { _, status, data in
            #expect(status == 0)
            let summary = try FioSummary.parse(String(decoding: data, as: UTF8.self))
            #expect(summary.jobs.count == 1)  // group_reporting folds the four jobs
            #expect(summary.jobs[0].name == "randrw-psync-multi")
            #expect(summary.read.ioBytes > 0)
            #expect(summary.write.ioBytes > 0)
            #expect(summary.metrics["read.iops"].map { $0 > 0 } == true)
        }
    }

    /// Real fio lays the measured job's files out, whole, and measures nothing (the runner's
    /// unmeasured step before each measurement); an mmap job's layout needs no mapping.
    @Test(.enabled(if: Self.fioPath != nil, "fio is not installed (scripts/host-setup.sh installs it)"))
    func layoutJobLaysOutUnderRealFio() throws {
        let job = FioJob(pattern: .seqread, engine: .mmap, layout: .multi, size: "2M", runtime: 30)
        let start = Date()
        try Self.withFio(jobFile: job.layoutJobFile(directory:), name: "fio-layout") { dir, status, _ in
            #expect(status == 0)
            #expect(Date().timeIntervalSince(start) < 20)  // set up only: the 30 s runtime never ran
            for name in job.fileNames {
                let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(name).path)[.size] as? Int
                #expect(size == 2 << 20, "\(name)")
            }
        }
    }
}
