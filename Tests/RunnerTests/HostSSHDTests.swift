import Foundation
import Posix
@testable import Runner
import Testing

/// The private sshd's files and the guest side of sshfs, as rendered (the live sshd is exercised
/// by `strait run` with an sshfs cell).
struct HostSSHDTests {
    let layout = HostSSHD.Layout(directory: "/tmp/strait-runs/strait-X/sshd-vm0")

    @Test func configListensOnLoopbackOnlyWithTheRunKey() {
        let config = HostSSHD.renderConfig(layout, port: 40022)
        let lines = Set(config.split(separator: "\n").map(String.init))
        #expect(lines.contains("ListenAddress 127.0.0.1:40022"))
        #expect(lines.contains("HostKey /tmp/strait-runs/strait-X/sshd-vm0/ssh_host_ed25519_key"))
        #expect(lines.contains("AuthorizedKeysFile /tmp/strait-runs/strait-X/sshd-vm0/authorized_keys"))
        #expect(lines.contains("PermitRootLogin prohibit-password"))
        #expect(lines.contains("PasswordAuthentication no"))
        #expect(lines.contains("ForceCommand internal-sftp"))
        #expect(!config.contains("Port 22"))
        #expect(!config.contains("/etc/ssh"))
    }

    @Test func authorizedKeyIsLoopbackAndRestricted() {
        #expect(HostSSHD.authorizedKeysLine(publicKey: "ssh-ed25519 AAAAC3Nz strait-sshfs\n")
            == "from=\"127.0.0.1\",restrict ssh-ed25519 AAAAC3Nz strait-sshfs\n")
    }

    @Test func guestKnowsTheHostKeyAtTheGatewayPort() {
        #expect(HostSSHD.knownHostsLine(hostPublicKey: "ssh-ed25519 AAAAHOST strait-sshfs\n", port: 40022)
            == "[10.0.2.2]:40022 ssh-ed25519 AAAAHOST\n")
        let install = HostSSHD.guestInstallCommand(knownHosts: "[10.0.2.2]:40022 ssh-ed25519 AAAAHOST\n")
        #expect(install.hasPrefix("umask 077 && mkdir -p /root/.ssh && cat > /root/.ssh/strait_sshfs && "))
        #expect(install.contains("> /root/.ssh/strait_sshfs_known_hosts"))
        #expect(HostSSHD.source(hostDir: "/tmp/d") == "root@10.0.2.2:/tmp/d")
        let options = HostSSHD.connectionOptions(port: 40022)
        #expect(options.contains("port=40022") && options.contains("StrictHostKeyChecking=yes")
            && options.contains("UserKnownHostsFile=/root/.ssh/strait_sshfs_known_hosts"))
    }

    @Test func guestArgvCommandFindsTheProcessByMountPoint() throws {
        // The same snippet the guest runs, here against a real `sh` whose argv ends with a
        // mount point: it must print exactly that process's argv, one argument per line.
        let mountPoint = "/mnt/strait/argv-\(UUID().uuidString)"
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        holder.arguments = ["-c", "read line", "strait-argv-test", mountPoint]
        let stdin = Pipe()
        holder.standardInput = stdin
        try holder.run()
        // EOF on stdin ends `read` (SIGTERM may be inherited ignored here).
        defer { try? stdin.fileHandleForWriting.close(); holder.waitUntilExit() }
        usleep(200_000)
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/bin/sh")
        probe.arguments = ["-c", SSHFSHost.guestArgvCommand(mountPoint: mountPoint, process: "sh")]
        let pipe = Pipe()
        probe.standardOutput = pipe
        try probe.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        probe.waitUntilExit()
        #expect(out.split(separator: "\n").map(String.init) == ["/bin/sh", "-c", "read line", "strait-argv-test", mountPoint])
        #expect(SSHFSHost.guestArgvCommand(mountPoint: "/mnt/x").contains("pgrep -x sshfs"))
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: HostSSHD.binary),
                   "needs root and /usr/sbin/sshd (scripts/host-setup.sh)"))
    func privateSSHDStartsAcceptsTheConfigAndStops() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sshd-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try HostSSHDProcess(directory: dir)
        #expect(server.isRunning)
        // sshd rewrites its title, so the config path is within one argument.
        #expect(Subprocess.argv(of: server.pid)?.joined(separator: " ").contains(server.layout.config) == true,
                "the supervised pid is not sshd with this config")
        #expect(server.port > 1024)
        #expect(server.knownHostsLine.hasPrefix("[10.0.2.2]:\(server.port) ssh-ed25519 "))
        #expect(String(decoding: server.clientPrivateKey, as: UTF8.self).contains("OPENSSH PRIVATE KEY"))
        // While sshd lives, other children must still be reaped (sshd closing Foundation's
        // watch descriptor once left every later command hanging as a zombie; the supervisor
        // reaps by pid now, and Foundation's Process beside it must keep working too).
        let done = DispatchSemaphore(value: 0)
        Thread {
            let other = Process()
            other.executableURL = URL(fileURLWithPath: "/bin/true")
            if (try? other.run()) != nil { other.waitUntilExit() }
            done.signal()
        }.start()
        #expect(done.wait(timeout: .now() + 20) == .success, "a command run beside sshd never finished")
        server.stop()
        #expect(!server.isRunning)
        let left = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { Int($0) != nil }.filter { pid in
            let argv = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self) } ?? ""
            return argv.contains(dir)
        }
        #expect(left.isEmpty, "processes of the test's sshd left: \(left)")
    }
}
