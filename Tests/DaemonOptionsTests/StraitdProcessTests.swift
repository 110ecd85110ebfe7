import Foundation
import FUSE
import Glibc
import Posix
import Testing
import VhostUserDriver

/// The built straitd binary as libvirt and scripts meet it: exit codes, the capabilities probe,
/// startup in each sandbox, and a clean exit 0 on SIGTERM and on frontend disconnect.
@Suite(.serialized, .enabled(if: Straitd.isBuilt, "the straitd binary is not built next to the tests"))
struct StraitdProcessTests {
    @Test(arguments: [
        ["--fd=3"],
        ["-o", "source=/tmp,cache=bogus", "--fd=3"],
        ["--fd=3", "--socket-path=/tmp/x.sock", "--shared-dir=/tmp"],
        ["--shared-dir=/tmp", "--socket-path=/tmp/x.sock", "--frobnicate"],
        ["--fd=3", "-o", "source=/tmp", "--shared-dir=/var"],
        ["--fd=3", "--shared-dir=/tmp", "--thread-pool-size", "-1"],
    ])
    func badCommandLineExits2(arguments: [String]) throws {
        let (status, stdout, stderr) = try Straitd.run(arguments)
        #expect(status == 2)
        #expect(stdout.isEmpty)
        let lines = stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("straitd: "), "stderr: \(stderr)")
    }

    @Test func printCapabilitiesIsVhostUserJSON() throws {
        let (status, stdout, _) = try Straitd.run(["--print-capabilities"])
        #expect(status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        #expect(json?["type"] as? String == "fs")
        let features = json?["features"] as? [String] ?? []
        #expect(features.contains("separate-options"))
    }

    @Test func helpAndVersionExit0() throws {
        let help = try Straitd.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("--shared-dir"))
        let version = try Straitd.run(["-V"])
        #expect(version.status == 0 && version.stdout.hasPrefix("straitd "))
    }

    @Test func missingSharedDirectoryExits1() throws {
        let scratch = try ScratchDirectory()
        let (status, _, stderr) = try Straitd.run(["--socket-path=\(scratch.socket)", "--shared-dir=\(scratch.root)/absent", "--sandbox=none"])
        #expect(status == 1)
        #expect(stderr.contains("absent"))
        #expect(!scratch.exists(scratch.socket))
    }

    /// libvirt 9.0's exact shape: an inherited listening fd and `-o`; serves, then exits 0 when
    /// the frontend goes away.
    @Test(.enabled(if: geteuid() == 0, "sandbox=chroot needs root"))
    func libvirtArgvServesAndExitsOnDisconnect() throws {
        let scratch = try ScratchDirectory()
        try Data("hello".utf8).write(to: URL(fileURLWithPath: scratch.shared + "/host.txt"))
        let listener = try scratch.inheritableListener(at: scratch.socket)
        let daemon = try Subprocess(name: "straitd", arguments: [
            Straitd.path, "--fd=\(listener)",
            "-o", "source=\(scratch.shared),cache=auto,sandbox=chroot,xattr,posix_lock,flock", "--thread-pool-size=2",
        ], logPath: scratch.root + "/straitd.log", inheriting: [listener])
        close(listener)
        defer { daemon.stop() }
        try lookupHostFile(socket: scratch.socket, daemon: daemon)
        #expect(daemon.waitForExit(timeout: 10), "straitd still running after disconnect")
        #expect(daemon.exitCode == 0, "\(daemon.exitDescription ?? "running"): \(daemon.lastLogLines())")
    }

    /// The socket straitd created is gone after a disconnect, even from inside the namespace
    /// sandbox; a file in the shared directory at the same path is left alone.
    @Test(.enabled(if: geteuid() == 0, "sandbox=namespace needs root"))
    func namespaceSandboxDisconnectRemovesOnlyTheSocket() throws {
        let scratch = try ScratchDirectory()
        try Data("hello".utf8).write(to: URL(fileURLWithPath: scratch.shared + "/host.txt"))
        let mirror = try placeMirror(of: scratch.socket, in: scratch)
        let daemon = try Subprocess(name: "straitd", arguments: [
            Straitd.path, "--socket-path=\(scratch.socket)", "--shared-dir=\(scratch.shared)", "--sandbox=namespace",
        ], logPath: scratch.root + "/straitd.log")
        defer { daemon.stop() }
        try lookupHostFile(socket: scratch.socket, daemon: daemon)
        #expect(daemon.waitForExit(timeout: 10))
        #expect(daemon.exitCode == 0, "\(daemon.exitDescription ?? "running"): \(daemon.lastLogLines())")
        #expect(!scratch.exists(scratch.socket), "socket left behind")
        #expect(scratch.exists(mirror), "a file inside the shared directory was removed")
    }

    /// The serving child in the namespace sandbox killed by a signal: the parent libvirt or the
    /// runner started ends the same way ("killed by signal 9"), not "exited with status 137", and
    /// still removes the socket the dead child left.
    @Test(.enabled(if: geteuid() == 0, "sandbox=namespace needs root"))
    func namespaceSandboxParentEndsByTheChildsSignal() throws {
        let scratch = try ScratchDirectory()
        let daemon = try serving(scratch, [
            "--socket-path", scratch.socket, "--shared-dir", scratch.shared, "--sandbox", "namespace", "--log-level=debug",
        ])
        defer { daemon.stop() }
        let children = ProcessUsage.descendants(of: daemon.pid)
        try #require(children.count == 1, "the sandbox's serving child: \(children)")
        kill(children[0], SIGKILL)
        #expect(daemon.waitForExit(timeout: 10))
        #expect(daemon.status == .signalled(SIGKILL), "\(daemon.exitDescription ?? "running"): \(daemon.lastLogLines())")
        #expect(!daemon.coreDumped)
        #expect(!scratch.exists(scratch.socket), "socket left behind")
    }

    /// The serving child crashing for real (SIGSEGV): no core of it lands in the share; where the
    /// kernel pipes cores out of the sandbox the parent's own death says "core dumped" too, as a
    /// crash of straitd without the sandbox would. A namespace's init
    /// ignores SIGSEGV sent from outside, so the child is made to fault: a HLT (0xf4) written over
    /// the instruction each of its threads returns to from its system call (/proc/PID/mem), then
    /// SIGTERM to wake its signal thread.
    @Test(.enabled(if: geteuid() == 0, "sandbox=namespace and writing another process's text need root"))
    func namespaceSandboxParentSaysTheChildDumpedCore() throws {
        let scratch = try ScratchDirectory()
        // Core files allowed for the daemon (this test process keeps its own limit).
        let daemon = try serving(scratch, [
            "--socket-path", scratch.socket, "--shared-dir", scratch.shared, "--sandbox", "namespace", "--log-level=debug",
        ], wrapper: ["sh", "-c", "ulimit -c unlimited && exec \"$0\" \"$@\""])
        defer { daemon.stop() }
        let children = ProcessUsage.descendants(of: daemon.pid)
        try #require(children.count == 1, "the sandbox's serving child: \(children)")
        let child = children[0]
        let mem = open("/proc/\(child)/mem", O_RDWR | O_CLOEXEC)
        try #require(mem >= 0, "open /proc/\(child)/mem: errno \(errno)")
        var patched = 0
        for tid in ProcessUsage.threads(of: child) {
            // "NR arg1..arg6 SP PC" while in a system call; "running" or "-1 SP PC" otherwise.
            let text = ProcessUsage.readFile("/proc/\(child)/task/\(tid)/syscall") ?? ""
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            guard fields.count == 9, fields[8].hasPrefix("0x"), let pc = UInt64(fields[8].dropFirst(2), radix: 16) else { continue }
            var hlt: UInt8 = 0xf4
            if pwrite(mem, &hlt, 1, off_t(pc)) == 1 { patched += 1 }
        }
        close(mem)
        try #require(patched > 0, "no thread of \(child) in a system call to patch")
        kill(daemon.pid, SIGTERM)
        #expect(daemon.waitForExit(timeout: 20))
        #expect(daemon.status?.signal == SIGSEGV, "\(daemon.exitDescription ?? "running"): \(daemon.lastLogLines())")
        #expect(!scratch.exists(scratch.socket), "socket left behind")
        // The child's core would be written in its working directory, the shared directory, for the
        // guest to read: unless the kernel pipes cores out (systemd-coredump), straitd turns them off.
        let cores = (try? FileManager.default.contentsOfDirectory(atPath: scratch.shared))?.filter { $0.hasPrefix("core") } ?? []
        #expect(cores.isEmpty, "a core file in the share: \(cores)")
        if ProcessUsage.readFile("/proc/sys/kernel/core_pattern")?.hasPrefix("|") == true {
            #expect(daemon.coreDumped, "\(daemon.exitDescription ?? "running")")
            #expect(daemon.exitDescription == "killed by signal 11 (SIGSEGV), core dumped")
            #expect(daemon.lastLogLines().contains { $0.contains("serving child was killed by signal 11 (core dumped)") }, "\(daemon.lastLogLines())")
        } else {
            #expect(!daemon.coreDumped, "\(daemon.exitDescription ?? "running")")
            #expect(daemon.exitDescription == "killed by signal 11 (SIGSEGV)")
            #expect(daemon.lastLogLines().contains { $0.contains("core dumps off: kernel.core_pattern") }, "\(daemon.lastLogLines())")
            #expect(!scratch.exists(scratch.root + "/core"), "the waiter dumped without a core from its child")
        }
    }

    @Test func sigtermExits0AndRemovesSocket() throws {
        try sigterm(sandbox: "none")
    }

    @Test(.enabled(if: geteuid() == 0, "sandbox=namespace needs root"))
    func sigtermInNamespaceSandboxExits0AndRemovesSocket() throws {
        try sigterm(sandbox: "namespace")
    }

    private func sigterm(sandbox: String) throws {
        let scratch = try ScratchDirectory()
        let mirror = try placeMirror(of: scratch.socket, in: scratch)
        // Waits for the socket, then for the sandbox (the log line comes after it is entered).
        let daemon = try serving(scratch, [
            "--socket-path", scratch.socket, "--shared-dir", scratch.shared, "--sandbox", sandbox, "--log-level=debug",
        ])
        defer { daemon.stop() }
        #expect(scratch.exists(scratch.socket))
        if sandbox == "namespace" {
            // The parent waits as a fresh, small image of the binary, not as a copy of the daemon
            // (its resident memory counted twice in the daemon's total otherwise).
            let cmdline = (try? String(contentsOfFile: "/proc/\(daemon.pid)/cmdline", encoding: .utf8)) ?? ""
            #expect(cmdline.hasPrefix("straitd-sandbox-parent\u{0}"), "parent's command line: \(cmdline)")
            // ... that still carries the daemon's arguments: the runner's configuration check
            // and its leftover sweep read them from this pid (without them every E2E cell failed).
            let args = cmdline.split(separator: "\u{0}").map(String.init)
            #expect(args.contains(Straitd.path) && args.contains("--shared-dir") && args.contains(scratch.shared),
                    "parent's command line: \(args)")
        }
        kill(daemon.pid, SIGTERM)
        #expect(daemon.waitForExit(timeout: 10))
        #expect(daemon.exitCode == 0, "\(daemon.exitDescription ?? "running"): \(daemon.lastLogLines())")
        #expect(!scratch.exists(scratch.socket), "socket left behind")
        #expect(scratch.exists(mirror))
    }

    /// straitd started with `arguments`, once it logs that it waits for a frontend (at most 10 s;
    /// the caller's expectations say what went wrong if it never does). The caller stops it.
    private func serving(_ scratch: ScratchDirectory, _ arguments: [String], wrapper: [String] = []) throws -> Subprocess {
        let daemon = try Subprocess(name: "straitd", arguments: wrapper + [Straitd.path] + arguments, logPath: scratch.root + "/straitd.log")
        let deadline = monotonicSeconds() + 10
        while !daemon.lastLogLines(50).contains(where: { $0.contains("waiting for the frontend") }),
              daemon.isAlive, monotonicSeconds() < deadline { usleep(20_000) }
        return daemon
    }

    /// --socket-group hands the socket to a group with rw for it; --rlimit-nofile sets the limit.
    @Test func socketGroupAndRlimit() throws {
        let scratch = try ScratchDirectory()
        var hard = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &hard)
        let wanted = min(UInt64(hard.rlim_max), 4321)
        let daemon = try serving(scratch, [
            "--socket-path=\(scratch.socket)", "--shared-dir=\(scratch.shared)", "--sandbox=none",
            "--socket-group=\(String(cString: getgrgid(getegid()).pointee.gr_name))", "--rlimit-nofile=\(wanted)",
        ])
        defer { daemon.stop() }
        var st = stat()
        #expect(stat(scratch.socket, &st) == 0)
        #expect(st.st_gid == getegid() && st.st_mode & 0o777 == 0o660)
        let limits = try String(contentsOfFile: "/proc/\(daemon.pid)/limits", encoding: .utf8)
        let line = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") } ?? ""
        let numbers = line.split(separator: " ").compactMap { UInt64($0) }
        #expect(numbers == [wanted, wanted], "\(line)")
    }

    /// An unknown --socket-group is a startup error (status 1), not a crash: the static binary's
    /// getgrnam loaded NSS modules for a name not in /etc/group and died with SIGSEGV.
    @Test func unknownSocketGroupExitsCleanly() throws {
        let scratch = try ScratchDirectory()
        let daemon = try Subprocess(name: "straitd", arguments: [
            Straitd.path, "--socket-path=\(scratch.socket)", "--shared-dir=\(scratch.shared)", "--sandbox=none",
            "--socket-group=strait-no-such-group",
        ], logPath: scratch.root + "/straitd.log")
        defer { daemon.stop() }
        #expect(daemon.waitForExit(timeout: 10))
        #expect(daemon.exitCode == 1, "\(daemon.exitDescription ?? "running"): \(daemon.lastLogLines())")
        #expect(daemon.lastLogLines().contains { $0.contains("no group named 'strait-no-such-group'") })
    }

    /// The packaging step: the descriptor libvirt reads, with this binary's path filled in.
    @Test func vhostUserDescriptorInstalls() throws {
        let scratch = try ScratchDirectory()
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: packageRoot + "/scripts/install-vhost-user.sh")
        process.arguments = [Straitd.path]
        process.environment = ["DESTDIR": scratch.root, "PATH": "/usr/bin:/bin"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: scratch.root + "/usr/share/qemu/vhost-user/50-straitd.json"))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(json?["type"] as? String == "fs")
        #expect(json?["binary"] as? String == Straitd.path)
    }

    /// Connects as a VMM would, INITs, looks up host.txt (when present) and disconnects.
    private func lookupHostFile(socket: String, daemon: Subprocess) throws {
        var config = FrontendConfiguration()
        config.memory = GuestMemoryLayout(size: 16 << 20, regionCount: 1)
        let client = try FuseClient(frontend: try VhostUserFrontend(socketPath: socket, configuration: config,
                                                                    alive: { daemon.isAlive }))
        let out = try client.initialize()
        #expect(out.major == 7)
        let entry = try client.lookup(parent: FuseProtocol.rootID, name: "host.txt")
        #expect(entry.attr.size == 5)
        client.close()
    }

    /// A regular file inside the shared directory at the socket's host path, which is what that
    /// path names once straitd has pivoted into the shared directory.
    private func placeMirror(of path: String, in scratch: ScratchDirectory) throws -> String {
        let mirror = scratch.shared + path
        try FileManager.default.createDirectory(atPath: (mirror as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data("guest data".utf8).write(to: URL(fileURLWithPath: mirror))
        return mirror
    }
}
