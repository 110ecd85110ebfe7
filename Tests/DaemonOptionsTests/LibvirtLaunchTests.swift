import Foundation
import Glibc
import Testing

/// libvirt (9.0 here) launching straitd itself from a domain's `<binary path=...>`, with the
/// argv it builds (`--fd=N -o source=...,cache=...,sandbox=...,xattr,flock,posix_lock
/// --thread-pool-size=N`), and QEMU's vhost-user-fs-pci negotiating with it. The guest boots
/// nothing: mounting in a guest is the end-to-end tests' job.
@Suite(.serialized, .enabled(if: Straitd.isBuilt && geteuid() == 0 && Virsh.reachable,
                             "needs root, the straitd binary and a running libvirtd (qemu:///system)"))
struct LibvirtLaunchTests {
    @Test func libvirtStartsStraitdAndQEMUConnects() throws {
        let scratch = try ScratchDirectory()
        let name = "strait-opt-\(getpid())"
        let xml = scratch.root + "/domain.xml"
        try Virsh.domainXML(name: name, binary: Straitd.path, share: scratch.shared)
            .write(toFile: xml, atomically: true, encoding: .utf8)
        let created = try Virsh.run(["create", xml])
        try #require(created.status == 0, "virsh create: \(created.output)")
        defer {
            _ = try? Virsh.run(["destroy", name])
            for suffix in ["", "-fs0-virtiofsd"] { unlink("/var/log/libvirt/qemu/\(name)\(suffix).log") }
        }
        let log = "/var/log/libvirt/qemu/\(name)-fs0-virtiofsd.log"
        let deadline = Date().addingTimeInterval(30)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("frontend connected") { break }
            usleep(100_000)
        }
        #expect(text.contains("frontend connected"), "straitd log: \(text)")
        let pids = Straitd.processes(sharing: scratch.shared)
        #expect(pids.count == 1)
        if let argv = pids.first.map(Straitd.commandLine) {
            #expect(argv.contains { $0.hasPrefix("--fd=") })
            #expect(argv.contains("-o"))
            #expect(argv.contains { $0.hasPrefix("source=\(scratch.shared),cache=always,sandbox=chroot,xattr") })
            #expect(argv.contains("--thread-pool-size=2"))
        }
        let destroyed = try Virsh.run(["destroy", name])
        #expect(destroyed.status == 0)
        // QEMU goes away, straitd sees the disconnect and exits on its own.
        let gone = Date().addingTimeInterval(10)
        while !Straitd.processes(sharing: scratch.shared).isEmpty, Date() < gone { usleep(50_000) }
        #expect(Straitd.processes(sharing: scratch.shared).isEmpty, "straitd outlived its domain")
        text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.contains("frontend disconnected, exiting"), "straitd log: \(text)")
    }
}

enum Virsh {
    static var reachable: Bool {
        guard access("/usr/bin/virsh", X_OK) == 0, let result = try? run(["uri"]) else { return false }
        return result.status == 0
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/virsh")
        process.arguments = ["-c", "qemu:///system"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A TCG guest with shared memory and one virtiofs share served by `binary`.
    static func domainXML(name: String, binary: String, share: String) -> String {
        """
        <domain type='qemu'>
          <name>\(name)</name>
          <memory unit='MiB'>256</memory>
          <vcpu>1</vcpu>
          <os><type arch='x86_64' machine='pc'>hvm</type></os>
          <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
          <devices>
            <filesystem type='mount' accessmode='passthrough'>
              <driver type='virtiofs' queue='1024'/>
              <binary path='\(binary)' xattr='on'>
                <cache mode='always'/>
                <sandbox mode='chroot'/>
                <lock posix='on' flock='on'/>
                <thread_pool size='2'/>
              </binary>
              <source dir='\(share)'/>
              <target dir='tag0'/>
            </filesystem>
          </devices>
        </domain>
        """
    }
}

extension Straitd {
    /// Running straitd processes whose command line names `share`.
    static func processes(sharing share: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            let argv = commandLine(pid)
            return argv.first == path && argv.contains { $0.contains(share) }
        }
    }

    static func commandLine(_ pid: pid_t) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}
