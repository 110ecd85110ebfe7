import Foundation
import Testing

/// strait-load's meta workloads, its system call counter and its answers probe, run for real
/// against this build's straitd (a few seconds; no VM).
@Suite struct StraitLoadMetaTests {
    static var straceFound: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") }

    /// Runs strait-load; (exit status, stdout, stderr). stderr goes to a file, so that neither
    /// pipe can fill up and stall the child while the other is read.
    static func straitLoad(_ arguments: [String]) throws -> (Int32, String, String) {
        let errPath = NSTemporaryDirectory() + "strait-load-meta-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).err"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: LoadLayerTests.straitLoad)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (p.terminationStatus, String(decoding: outData, as: UTF8.self), err)
    }

    static let straitd = "straitd=\(LoadLayerTests.straitd) --socket-path={socket} --shared-dir={dir} --cache=auto --sandbox=none"

    /// meta-create and meta-rm through straitd, counted by strace: each operation's requests
    /// reach the host as the calls that do them (a directory and a file made, then removed).
    @Test(.enabled(if: LoadLayerTests.binariesBuilt && straceFound, "needs straitd, strait-load (swift build --build-tests) and strace (scripts/host-setup.sh)"))
    func metaWorkloadsCountedByStrace() throws {
        let (status, out, err) = try Self.straitLoad(["--syscalls", "30", "--rounds", "2", "--qd", "1", "--guest", "linux",
                                                      "--workload", "meta-create,meta-rm", "--daemon", Self.straitd])
        #expect(status == 0, "\(err.suffix(2000))")
        let names = err.split(separator: "\n").filter { $0.contains("system calls per operation by name") }
        let create = names.filter { $0.hasPrefix("[meta-create qd1]") }
        let remove = names.filter { $0.hasPrefix("[meta-rm qd1]") }
        #expect(create.count == 2 && remove.count == 2, "\(names)")
        // One mkdirat per operation, and the file's create; unlinkat twice (file, then directory).
        #expect(create.allSatisfy { $0.contains("mkdirat 1.00") && $0.contains("openat2") }, "\(create)")
        #expect(remove.allSatisfy { $0.contains("unlinkat 2.00") && $0.contains("getdents64") }, "\(remove)")
        // The table's last column: a few dozen calls per operation, not zero, not thousands.
        let rows = out.split(separator: "\n").filter { $0.hasPrefix("straitd") }
        let perOp = rows.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        #expect(perOp.count == 2 && perOp.allSatisfy { $0 > 5 && $0 < 200 }, "\(out)")
    }

    /// A timed round of each meta workload: operations complete, none fails.
    @Test(.enabled(if: LoadLayerTests.binariesBuilt, "needs straitd and strait-load built beside the tests (swift build --build-tests)"))
    func metaWorkloadsRunTimed() throws {
        let (status, out, err) = try Self.straitLoad(["--seconds", "0.2", "--warmup", "0.05", "--rounds", "5", "--qd", "1", "--qd", "4",
                                                      "--workload", "meta-create,meta-rm", "--json", "--daemon", Self.straitd])
        #expect(status == 0, "\(err.suffix(2000))")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let results = try #require(json["results"] as? [[String: Any]])
        #expect(results.count == 4)
        for r in results {
            let ops = r["round_ops_per_s"] as? [Double] ?? []
            #expect(ops.filter { $0 > 0 }.count >= 3, "\(r)")
        }
    }

    /// What straitd answers (cache=auto): 1 s timeouts, ENOENT for a missing name, no FOPEN
    /// flags, READDIRPLUS entries with nodes; the table names every question once.
    @Test(.enabled(if: LoadLayerTests.binariesBuilt, "needs straitd and strait-load built beside the tests (swift build --build-tests)"))
    func answersProbe() throws {
        let (status, out, err) = try Self.straitLoad(["--answers", "--daemon", Self.straitd, "--daemon", "again=" + Self.straitd.dropFirst(8)])
        #expect(status == 0, "\(err.suffix(2000))")
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.first == "| question | straitd | again | differs |")
        func row(_ q: String) -> String? { lines.first { $0.hasPrefix("| " + q + " |") } }
        #expect(row("LOOKUP of a file: entry / attr valid") == "| LOOKUP of a file: entry / attr valid | 1 s / 1 s | 1 s / 1 s |  |")
        #expect(row("LOOKUP of a missing name")?.contains("error ENOENT") == true)
        #expect(row("CREATE (O_WRONLY O_CREAT O_TRUNC): FOPEN flags")?.contains("| none | none |") == true)
        #expect(row("INIT flags agreed (of a 6.1 guest's)")?.contains("DO_READDIRPLUS") == true)
        #expect(row("SYNCFS")?.contains("| ok | ok |") == true)
        // The same daemon twice answers the same: no row is marked as differing.
        #expect(!lines.dropFirst(2).contains { $0.hasSuffix("| yes |") }, "\(out)")
    }
}
