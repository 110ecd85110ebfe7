import DaemonLaunch
import Foundation
import GuestImage
import Harness
import Libvirt
import Testing

extension E2E {
    /// A guest that reboots (system_reset: QEMU resets the virtio-fs device and the new boot sets
    /// it up again on the same vhost-user connection) finds straitd serving its share as before,
    /// as Red Hat's virtio-fs tests check for virtiofsd. Twice, each time with I/O in flight.
    @Suite
    struct RebootE2ETests {
        @Test("E2E: straitd keeps serving across two guest resets under load; files verified after each",
              .enabled(if: E2EEnvironment.missingStraitd == nil, Comment(rawValue: E2EEnvironment.missingStraitd ?? "")),
              .timeLimit(.minutes(30)))
        func rebootUnderLoad() throws {
            let (image, accel) = try E2EEnvironment.prepare()
            let run = try Run()
            defer {
                run.release()
                E2EEnvironment.log(Sweeper().sweep(runID: run.id).description)
            }
            let share = try run.makeDirectory("share", mode: 0o777)
            let daemon = try ShareDaemon(command: DaemonKind.straitd.command(binary: E2EEnvironment.straitd ?? "straitd"),
                                         socket: run.path("straitd.sock"), dir: share, cache: "auto",
                                         log: run.path("straitd.log"))
            defer { _ = daemon.stop() }
            var options = VirtualMachine.Options()
            options.shares = [Filesystem(.virtiofsSocket(socket: daemon.socket, queueSize: 1024), tag: "share")]
            options.restartOnReboot = true
            let vm = try VirtualMachine(run: run, vm: "reboot", image: image, accelerator: accel,
                                        key: try SSHKey.harnessKey(), connection: try Connection(), options: options)
            vm.keepDaemonLog("straitd.log", at: daemon.log)
            defer { vm.shutdown() }
            try vm.start()
            let mount = "mkdir -p /mnt/share && mount -t virtiofs share /mnt/share"
            try vm.ssh.check(mount)
            // 40 files of known content, their checksums kept on the host side of the share.
            try vm.ssh.check("""
                cd /mnt/share && for i in $(seq 40); do head -c $((i * 4099)) /dev/urandom > f$i; done && \
                sha256sum f* > /mnt/share/SUMS && sync
                """, timeout: 600)
            for round in 1...2 {
                // Load in flight at the reset: readers and a writer on the share, never waited for.
                try vm.ssh.check("""
                    (while true; do cat /mnt/share/f* > /dev/null; done) > /dev/null 2>&1 &
                    (while true; do head -c 65536 /dev/urandom > /mnt/share/scratch; done) > /dev/null 2>&1 &
                    sleep 3
                    """, timeout: 60)
                E2EEnvironment.log("e2e: reboot \(round): resetting under load")
                try vm.reboot()
                #expect(daemon.isRunning, "straitd exited at reset \(round): \(daemon.log)")
                try vm.ssh.check(mount)
                let verify = try vm.ssh.run("cd /mnt/share && sha256sum -c --quiet SUMS", timeout: 600)
                #expect(verify.status == 0, "after reset \(round): \(verify.output)")
                // And new writes land on the host.
                try vm.ssh.check("echo round-\(round) > /mnt/share/after-\(round) && sync")
                let written = try String(contentsOfFile: share + "/after-\(round)", encoding: .utf8)
                #expect(written == "round-\(round)\n")
            }
            try HostCommand("sh", ["-c", "cd '\(share)' && sha256sum -c --quiet SUMS"]).check(timeout: 120)
            vm.shutdown()
            // The frontend's disconnect ends straitd by itself, with status 0 (SIGTERM would too).
            #expect(daemon.stop() == .exited(0))
        }
    }
}
