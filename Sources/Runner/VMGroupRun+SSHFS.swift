import Foundation
import Harness
import Matrix

/// Holds a VM group's private sshd (VMGroupRun is a value; the server lives as long as the VM).
final class SSHFSHost {
    var server: HostSSHDProcess?

    /// Prints, one argument per line, the argv of the guest's sshfs process serving `mountPoint`
    /// (sshfs daemonizes; its argv ends with the mount point), so the cache options can be checked.
    static func guestArgvCommand(mountPoint: String, process: String = "sshfs") -> String {
        let mp = shellQuote([mountPoint])
        return "for p in $(pgrep -x \(process)); do if tr '\\0' '\\n' < /proc/$p/cmdline | grep -qxF \(mp); then tr '\\0' '\\n' < /proc/$p/cmdline; fi; done; true"
    }
}

extension VMGroupRun {
    var sshfsStates: [SlotState] { states.filter { $0.active && $0.slot.cell.backend == .sshfs } }

    /// Starts the group's sshd before the VM boots when an sshfs cell is active; without it those
    /// cells fail (with the sshd log) and the others go on.
    func startSSHD() {
        let cells = sshfsStates
        guard !cells.isEmpty else { return }
        let directory = run.path("sshd-vm\(index)")
        do {
            let server = try HostSSHDProcess(directory: directory)
            sshfs.server = server
            for state in cells { state.evidence["sshd.log"] = server.layout.log }
            log("strait: sshd for sshfs on 127.0.0.1:\(server.port) (supervisor pid \(server.pid), \(directory))")
        } catch {
            for state in cells {
                state.fail("sshd for sshfs did not start: \(error.detail)")
                state.evidence["sshd.log"] = directory + "/sshd.log"
                state.bundle = FailureBundle.keep(name: run.name(state.slot.key), reason: "\(state.slot.cell.id): \(error)", files: state.evidence)
            }
        }
    }

    /// Puts the run's private key and the sshd's host key into the guest over the harness SSH
    /// session, so sshfs logs in with that key and checks the host key.
    func installSSHFSKey(vm: VirtualMachine) {
        guard let server = sshfs.server, !sshfsStates.isEmpty else { return }
        do {
            try vm.ssh.check(HostSSHD.guestInstallCommand(knownHosts: server.knownHostsLine), input: server.clientPrivateKey, timeout: 60)
        } catch {
            for state in sshfsStates { fail(state, "cannot install the sshfs key in the guest: \(error.detail)", vm: vm) }
        }
    }
}
