import Foundation
import Glibc
import GuestImage
import Harness
import Matrix
import Posix

/// The host side of sshfs cells: a private sshd for one VM, on 127.0.0.1 and a free high port,
/// with its own host key, config and authorized_keys under the run directory. The guest reaches
/// it as 10.0.2.2:PORT through QEMU user networking (slirp forwards to the host's loopback). The
/// system sshd, its config and port 22 are never touched; the sweeper finds this one by the run
/// directory in its argv.
struct HostSSHD {
    static let binary = "/usr/sbin/sshd"
    static let keygen = "/usr/bin/ssh-keygen"
    /// The host as the guest sees it under QEMU user networking.
    static let guestGateway = "10.0.2.2"
    /// Where the guest keeps the per-run key and the host's key.
    static let guestIdentity = "/root/.ssh/strait_sshfs"
    static let guestKnownHosts = "/root/.ssh/strait_sshfs_known_hosts"

    /// Files of one instance, all under `directory`.
    struct Layout: Sendable, Equatable {
        let directory: String
        var config: String { directory + "/sshd_config" }
        var hostKey: String { directory + "/ssh_host_ed25519_key" }
        var clientKey: String { directory + "/guest_ed25519" }
        var authorizedKeys: String { directory + "/authorized_keys" }
        var log: String { directory + "/sshd.log" }
    }

    /// sshd_config: only public-key root login with the run's key from loopback (slirp), SFTP
    /// only (`ForceCommand internal-sftp`), no PAM (no login session machinery without systemd),
    /// StrictModes off because the run directory lives under world-writable /tmp.
    static func renderConfig(_ layout: Layout, port: Int) -> String {
        """
        # strait: private sshd for sshfs cells of one run (never the system sshd)
        ListenAddress 127.0.0.1:\(port)
        HostKey \(layout.hostKey)
        PidFile none
        AuthorizedKeysFile \(layout.authorizedKeys)
        AuthenticationMethods publickey
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PermitRootLogin prohibit-password
        AllowUsers root
        UsePAM no
        StrictModes no
        UseDNS no
        PermitTTY no
        X11Forwarding no
        AllowTcpForwarding no
        AllowAgentForwarding no
        PermitTunnel no
        Subsystem sftp internal-sftp
        ForceCommand internal-sftp
        LogLevel VERBOSE

        """
    }

    /// authorized_keys: the run's public key, usable only from loopback and with nothing but SFTP.
    static func authorizedKeysLine(publicKey: String) -> String {
        "from=\"127.0.0.1\",restrict " + publicKey.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
    }

    /// The guest's known_hosts line for this sshd, from its `ssh_host_ed25519_key.pub`.
    static func knownHostsLine(hostPublicKey: String, port: Int) -> String {
        let fields = hostPublicKey.split(separator: " ").prefix(2).joined(separator: " ")
        return "[\(guestGateway)]:\(port) \(fields)\n"
    }

    /// The guest command that installs the private key (stdin) and the known_hosts line.
    static func guestInstallCommand(knownHosts: String) -> String {
        "umask 077 && mkdir -p /root/.ssh && cat > \(guestIdentity) && printf '%s' \(shellQuote([knownHosts])) > \(guestKnownHosts)"
    }

    /// sshfs `-o` options that reach this sshd with the run's key, checking its host key.
    static func connectionOptions(port: Int) -> [String] {
        ["port=\(port)", "IdentityFile=\(guestIdentity)", "IdentitiesOnly=yes", "UserKnownHostsFile=\(guestKnownHosts)",
         "StrictHostKeyChecking=yes", "BatchMode=yes", "ConnectTimeout=10"]
    }

    /// sshfs's remote source for a host directory.
    static func source(hostDir: String) -> String { "root@\(guestGateway):\(hostDir)" }

    /// Why sshfs cells cannot run on this host, or nil.
    static var hostMissing: String? {
        for tool in [binary, keygen] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing (scripts/host-setup.sh installs openssh-server)"
        }
        return nil
    }
}

/// A running private sshd (`-D -e`, under the one supervisor like the daemons): stopped with
/// SIGTERM, then SIGKILL after a grace period. sshd closes every inherited descriptor at start;
/// the supervisor reaps by pid, so that no longer matters and sshd needs no waiting shell.
final class HostSSHDProcess: Sendable {
    let layout: HostSSHD.Layout
    let port: Int
    let clientPrivateKey: Data
    let knownHostsLine: String
    private let process: Subprocess

    /// sshd's own pid (it runs directly under the supervisor).
    var pid: Int32 { process.pid }
    var isRunning: Bool { process.isAlive }

    /// Makes the keys and config in `directory`, starts sshd and waits until it listens.
    init(directory: String, timeout: Double = 15) throws(RunnerError) {
        layout = HostSSHD.Layout(directory: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // sshd's compiled-in privilege separation directory; the init script normally makes it.
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            for key in [layout.hostKey, layout.clientKey] {
                try HostCommand(HostSSHD.keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "strait-sshfs", "-f", key]).check(timeout: 30)
            }
            port = Int(try FreePort.loopback())
            let pub = try String(contentsOfFile: layout.clientKey + ".pub", encoding: .utf8)
            try HostSSHD.authorizedKeysLine(publicKey: pub).write(toFile: layout.authorizedKeys, atomically: true, encoding: .utf8)
            try HostSSHD.renderConfig(layout, port: port).write(toFile: layout.config, atomically: true, encoding: .utf8)
            let hostPub = try String(contentsOfFile: layout.hostKey + ".pub", encoding: .utf8)
            knownHostsLine = HostSSHD.knownHostsLine(hostPublicKey: hostPub, port: port)
            clientPrivateKey = try Data(contentsOf: URL(fileURLWithPath: layout.clientKey))
            // Reject a config sshd would not accept before starting it.
            try HostCommand(HostSSHD.binary, ["-t", "-f", layout.config]).check(timeout: 30, what: "sshd -t")
        } catch let error as RunnerError {
            throw error
        } catch {
            throw RunnerError(.prerequisite, "sshd for sshfs", cause: error)
        }
        let argv = [HostSSHD.binary, "-D", "-e", "-f", layout.config]
        do {
            process = try Subprocess(name: "sshd", arguments: argv, logPath: layout.log,
                                     header: "# \(argv.joined(separator: " "))\n")
        } catch {
            throw RunnerError(.prerequisite, "sshd for sshfs", cause: error)
        }
        let deadline = monotonicSeconds() + timeout
        let ready = "Server listening on 127.0.0.1 port \(port)"
        while !((try? String(contentsOfFile: layout.log, encoding: .utf8))?.contains(ready) ?? false) {
            if let status = process.status {
                throw RunnerError(.prerequisite, "sshd \(status) before listening; log \(layout.log)")
            }
            guard monotonicSeconds() < deadline else {
                let ending = stop()
                let left = ending.isUnkillable ? "; \(ending)" : ""
                throw RunnerError(.prerequisite, "sshd did not listen on port \(port) within \(Int(timeout)) s\(left); log \(layout.log)")
            }
            usleep(20_000)
        }
    }

    /// SIGTERM to sshd and its children, up to `grace` seconds, then SIGKILL. Idempotent. How it
    /// ended: `.unkillable` fails the sshfs cells it served (`VMGroupRun.stopDaemons`).
    @discardableResult
    func stop(grace: Double = 5) -> Subprocess.Ending {
        process.stop(grace: grace)
    }
}
