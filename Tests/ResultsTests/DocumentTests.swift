import Foundation
import Matrix
import Stats
import Testing
@testable import Results

@Suite struct DocumentTests {
    @Test func roundTripsThroughJSON() throws {
        var doc = Sample.run("run-1", at: 1_700_000_000, bws: [100, 110, 105])
        doc.cells.append(CellResult(
            cell: Cell(backend: .straitd, cache: "none", dax: .on, processing: .pool(16)),
            verdict: .skipped("QEMU 7.2 has no DAX window (cache-size)")))
        let data = try doc.encoded()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"schemaVersion\" : 1"))
        #expect(text.contains("\"verdict\" : \"skipped\""))
        #expect(text.contains("\"processing\" : \"pool:16\""))
        #expect(text.contains("\"acceleratorReason\" : \"KVM probe boot hung\""))
        #expect(try RunDocument.decode(data) == doc)
    }

    /// The straitd build (debug or release) is recorded; a document from before the field reads as unknown.
    @Test func straitdBuildRoundTripsAndIsOptional() throws {
        var doc = Sample.run("run-1", at: 1_700_000_000, bws: [100])
        doc.environment.straitdBuild = "release"
        let data = try doc.encoded()
        #expect(String(decoding: data, as: UTF8.self).contains("\"straitdBuild\" : \"release\""))
        #expect(try RunDocument.decode(data).environment.straitdBuild == "release")
        let older = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"straitdBuild\" : \"release\",", with: "")
        #expect(!older.contains("straitdBuild"))
        #expect(try RunDocument.decode(Data(older.utf8)).environment.straitdBuild == nil)
    }

    @Test func refusesNewerSchemasAndGarbage() throws {
        var doc = Sample.run("run-1", at: 1_700_000_000, bws: [1])
        doc.schemaVersion = 99
        do {
            _ = try RunDocument.decode(try doc.encoded(), path: "r.json")
            Issue.record("expected a schema error")
        } catch {
            #expect(error.code == .schema)
        }
        #expect(throws: ResultsError.self) { try RunDocument.decode(Data("[]".utf8)) }
    }

    @Test func samplesPerMetric() {
        let cell = Sample.cellResult(bws: [100, 110, 105], tar: [20, 30])
        #expect(cell.workload("randread-psync")?.samples("read.bw") == [100, 110, 105])
        #expect(cell.workload("tar")?.samples("tar.seconds") == [20, 30])
        #expect(cell.workload("randread-psync")?.metricNames.contains("read.clat_p99") == true)
    }
}

@Suite struct AtomicWriteTests {
    @Test func writeReplacesWholeFile() throws {
        let dir = try Sample.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/doc.json"
        try AtomicFile.write(Data("first version, longer".utf8), to: path)
        try AtomicFile.write(Data("second".utf8), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data("second".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["doc.json"])
    }

    /// A failure between the durable temporary and the rename keeps the previous document whole.
    @Test func interruptedBeforeRenameKeepsThePreviousDocument() throws {
        let dir = try Sample.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/doc.json"
        try AtomicFile.write(Data("old".utf8), to: path)
        struct Crash: Error {}
        var tempSeen: Data?
        #expect(throws: ResultsError.self) {
            try AtomicFile.write(Data("new".utf8), to: path) { temp in
                tempSeen = FileManager.default.contents(atPath: temp)
                throw Crash()
            }
        }
        #expect(tempSeen == Data("new".utf8))  // the new bytes were fully on disk
        #expect(FileManager.default.contents(atPath: path) == Data("old".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["doc.json"])
    }

    /// A process killed after writing its temporary leaves it behind; the next writer removes it
    /// and the document under the real name is the last complete one.
    @Test func killedWriterLeavesOnlyAStaleTemporary() throws {
        let dir = try Sample.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let doc = Sample.run("run-k", at: 1_700_000_000, bws: [100], complete: false)
        let writer = try ResultWriter(document: doc, directory: dir)
        try writer.record(Sample.cellResult(bws: [1, 2, 3]))
        // As if killed mid-write by another process (pid 999999): half a document under the temp name.
        let stale = dir + "/.run-k.json.tmp.999999"
        try Data("{\"schemaVer".utf8).write(to: URL(fileURLWithPath: stale))
        let onDisk = try RunDocument.load(path: writer.path)
        #expect(onDisk.complete == false)
        #expect(onDisk.cells.count == 1)
        AtomicFile.removeStaleTemporaries(for: writer.path)
        #expect(!FileManager.default.fileExists(atPath: stale))
    }

    @Test func writerMarksIncompleteUntilFinished() throws {
        let dir = try Sample.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ResultWriter(document: Sample.run("run-w", at: 1_700_000_000, bws: [], complete: true), directory: dir)
        #expect(try RunDocument.load(path: writer.path).complete == false)
        let other = Cell(backend: .straitd, cache: "none", processing: .inline)
        try writer.record(Sample.cellResult(bws: [5], cell: other))
        try writer.record(Sample.cellResult(bws: [6], cell: other, verdict: .fail("tar mismatch")))
        var doc = try RunDocument.load(path: writer.path)
        #expect(doc.complete == false)
        #expect(doc.cell(other.id)?.verdict == .fail("tar mismatch"))
        #expect(doc.cells.count == 2)  // the fixture's cell plus `other`, replaced not duplicated
        try writer.finish(at: Date(timeIntervalSince1970: 1_700_000_500.7))
        doc = try RunDocument.load(path: writer.path)
        #expect(doc.complete)
        #expect(doc.finishedAt == Date(timeIntervalSince1970: 1_700_000_500))
    }
}

@Suite struct HostTests {
    @Test func currentHostIsDescribed() throws {
        let host = HostFingerprint.current()
        #expect(host.cpus >= 1)
        #expect(host.memoryBytes > 0)
        let procRelease = try String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)
        #expect(host.kernel == procRelease.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(host.digest == HostFingerprint.current().digest)
    }

    @Test func cpuModelFromCpuinfo() {
        let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n"
        #expect(HostFingerprint.cpuModel(cpuinfo: text) == "AMD EPYC 7B13")
        #expect(HostFingerprint.cpuModel(cpuinfo: "nothing: here\n") == nil)
    }
}
