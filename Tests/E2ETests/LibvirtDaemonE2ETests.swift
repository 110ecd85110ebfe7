import DaemonLaunch
import Foundation
import GuestImage
import Harness
import Libvirt
import Testing

extension E2E {
    /// libvirt starts the daemon itself (`<filesystem><driver type='virtiofs'/><binary path=...>`),
    /// the way most users run virtio-fs: the guest mounts, writes, the host sees it, and destroying
    /// the domain leaves no daemon behind.
    @Suite
    struct LibvirtDaemonE2ETests {
        func libvirtLaunched(binary: String, name: String) throws {
            let started = Date()
            E2EEnvironment.log(Sweeper().sweep().description)
            let (image, accel) = try E2EEnvironment.prepare()
            let run = try Run()
            defer {
                run.release()
                E2EEnvironment.log(Sweeper().sweep(runID: run.id).description)
            }
            let dir = try run.makeDirectory("share", mode: 0o777)
            try "from-host\n".write(toFile: dir + "/host.txt", atomically: true, encoding: .utf8)
            var options = VirtualMachine.Options()
            options.shares = [Filesystem(.virtiofsBinary(binary: binary, source: dir, cache: "auto", xattr: true, queueSize: 1024), tag: "share")]
            let vm = try VirtualMachine(run: run, vm: "\(name)-binary", image: image, accelerator: accel,
                                        key: try SSHKey.harnessKey(), connection: try Connection(), options: options)
            vm.keepDaemonLog("virtiofsd.log", at: "/var/log/libvirt/qemu/\(vm.name)-fs0-virtiofsd.log")
            defer { vm.destroy() }
            try vm.start()
            E2EEnvironment.log("e2e: boot-to-SSH \(String(format: "%.1f", vm.bootToSSH ?? 0)) s (libvirt-launched \(name))")
            // The lookup used below to prove the domain is gone must find it while it runs.
            #expect(try Connection().domain(named: vm.name) != nil)
            // libvirt must have started exactly the binary we named, for this VM's directory.
            let daemons = Sweeper.processes(containing: dir).filter { $0.cmdline.hasPrefix(binary) }
            #expect(daemons.count >= 1, "no \(binary) process serving \(dir)")
            for d in daemons { E2EEnvironment.log("e2e: libvirt started: \(d.cmdline)") }

            let mount = try vm.ssh.check("mount -t virtiofs share /mnt/share && findmnt -n -o SOURCE,FSTYPE /mnt/share && cat /mnt/share/host.txt && echo from-guest > /mnt/share/guest.txt && sync", timeout: 300)
            E2EEnvironment.log("e2e: \(mount)")
            #expect(mount.contains("virtiofs"))
            #expect(mount.contains("from-host"))
            let written = try String(contentsOfFile: dir + "/guest.txt", encoding: .utf8)
            #expect(written == "from-guest\n")

            vm.shutdown()
            #expect(try Connection().domain(named: vm.name) == nil, "domain \(vm.name) still exists")
            let deadline = Date().addingTimeInterval(10)
            while !Sweeper.processes(containing: dir).isEmpty && Date() < deadline { usleep(100_000) }
            #expect(Sweeper.processes(containing: dir).isEmpty, "daemon for \(dir) outlived its domain")
            E2EEnvironment.log("e2e: libvirt-launched \(name) total \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
        }

        @Test("E2E: libvirt launches the C virtiofsd via <binary>; guest mounts, writes, host verifies",
              .enabled(if: E2EEnvironment.missingCVirtiofsd == nil, Comment(rawValue: E2EEnvironment.missingCVirtiofsd ?? "")),
              .timeLimit(.minutes(15)))
        func cVirtiofsdLaunchedByLibvirtE2E() throws {
            try libvirtLaunched(binary: DaemonKind.cVirtiofsdPath, name: "virtiofsd-c")
        }

        @Test("E2E: libvirt launches straitd via <binary>; guest mounts, writes, host verifies",
              .enabled(if: E2EEnvironment.missingStraitd == nil, Comment(rawValue: E2EEnvironment.missingStraitd ?? "")),
              .timeLimit(.minutes(15)))
        func straitdLaunchedByLibvirtE2E() throws {
            try libvirtLaunched(binary: E2EEnvironment.straitd ?? "straitd", name: "straitd")
        }

        @Test("E2E: virtio-9p share served by QEMU (passthrough); guest mounts, writes, host verifies",
              .enabled(if: E2EEnvironment.missing == nil, Comment(rawValue: E2EEnvironment.missing ?? "")),
              .timeLimit(.minutes(15)))
        func ninePE2E() throws {
            E2EEnvironment.log(Sweeper().sweep().description)
            let (image, accel) = try E2EEnvironment.prepare()
            let run = try Run()
            defer {
                run.release()
                E2EEnvironment.log(Sweeper().sweep(runID: run.id).description)
            }
            let dir = try run.makeDirectory("share", mode: 0o777)
            try "from-host\n".write(toFile: dir + "/host.txt", atomically: true, encoding: .utf8)
            var options = VirtualMachine.Options()
            options.shares = [Filesystem(.ninep(source: dir, accessMode: "passthrough", readOnly: false), tag: "share")]
            let vm = try VirtualMachine(run: run, vm: "9p", image: image, accelerator: accel,
                                        key: try SSHKey.harnessKey(), connection: try Connection(), options: options)
            defer { vm.destroy() }
            try vm.start()
            E2EEnvironment.log("e2e: boot-to-SSH \(String(format: "%.1f", vm.bootToSSH ?? 0)) s (9p)")
            let out = try vm.ssh.check("mount -t 9p -o trans=virtio,version=9p2000.L,cache=none share /mnt/share && findmnt -n -o SOURCE,FSTYPE /mnt/share && cat /mnt/share/host.txt && echo from-guest > /mnt/share/guest.txt && sync", timeout: 300)
            E2EEnvironment.log("e2e: \(out)")
            #expect(out.contains("9p"))
            #expect(out.contains("from-host"))
            #expect(try String(contentsOfFile: dir + "/guest.txt", encoding: .utf8) == "from-guest\n")
            vm.shutdown()
            #expect(try Connection().domain(named: vm.name) == nil, "domain \(vm.name) still exists")
        }
    }
}
