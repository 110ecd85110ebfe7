import Glibc
import Posix
import Testing

/// One walk of /proc answers the tree, the command-line matches and the CPU times together.
struct ProcessTableTests {
    @Test func oneWalkGivesTreeCommandLinesAndCPU() throws {
        let marker = "strait-table-\(getpid())"
        let p = try Subprocess(arguments: ["sh", "-c", "sleep 30 & sleep 30 & wait # \(marker)"])
        defer { p.stop(grace: 1) }
        let deadline = monotonicSeconds() + 10
        var table = ProcessUsage.Table.read(commandLines: true)
        while table.descendants(of: p.pid).count < 2 && monotonicSeconds() < deadline {
            usleep(10_000)
            table = ProcessUsage.Table.read(commandLines: true)
        }
        let children = table.descendants(of: p.pid)
        #expect(children.count == 2, "\(children)")
        #expect(Set(children) == Set(ProcessUsage.descendants(of: p.pid)))
        let matches = table.processes(commandLineContaining: marker)
        #expect(matches.map(\.pid) == [p.pid])
        #expect(matches.first?.cmdline == "sh -c sleep 30 & sleep 30 & wait # \(marker) ")
        #expect(table.cpuSeconds(of: getpid(), includeReapedChildren: false) > 0)
        #expect(table.cpuSeconds(of: -1, includeReapedChildren: true) == 0)
        #expect(ProcessUsage.Table.read().processes(commandLineContaining: marker).isEmpty, "no command lines unless asked")
        #expect(table.programName(of: p.pid) == "sh")
        #expect(ProcessUsage.Table.read().programName(of: p.pid) == nil, "no names without command lines")
    }

    /// A program started through the dynamic loader (how the private-root QEMU runs) is named by
    /// the program, so a disturbance says `qemu-system-x86_64`, not `ld-linux-x86-64.so.2`.
    @Test func aProgramRunThroughTheLoaderIsNamedByTheProgram() throws {
        let p = try Subprocess(arguments: ["/lib64/ld-linux-x86-64.so.2", "--library-path", "/nonexistent", "/bin/sleep", "30"])
        defer { p.stop(grace: 1) }
        let deadline = monotonicSeconds() + 10
        var name = ProcessUsage.Table.read(commandLines: true).programName(of: p.pid)
        while name != "sleep" && monotonicSeconds() < deadline {
            usleep(10_000)
            name = ProcessUsage.Table.read(commandLines: true).programName(of: p.pid)
        }
        #expect(name == "sleep")
    }
}
