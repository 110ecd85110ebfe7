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
    }
}
