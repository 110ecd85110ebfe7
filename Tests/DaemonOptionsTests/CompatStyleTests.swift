@testable import DaemonOptions
import Passthrough
import Testing
import VirtioFS

/// The C daemon's style, above all every argv shape libvirt 9.0 builds (qemuVirtioFSBuildCommandLine:
/// `--fd=N -o source=PATH[,cache=MODE][,sandbox=MODE][,xattr][,posix_lock|no_posix_lock][,flock|no_flock]
/// [--thread-pool-size=N]`).
@Suite struct CompatStyleTests {
    @Test func libvirtMinimal() throws {
        let c = try configuration(["--fd=23", "-o", "source=/srv/share"])
        #expect(c.server.socket == .inheritedFD(23))
        #expect(c.passthrough.root == "/srv/share")
        #expect(c.passthrough.cache == .auto)
        #expect(c.passthrough.xattr == false)
        #expect(c.sandbox == .namespace)
        #expect(c.server.mode == .auto(threads: DaemonConfiguration.defaultPoolThreads, threshold: 3))
    }

    @Test func libvirtFull() throws {
        let c = try configuration([
            "--fd=7", "-o", "source=/var/lib/share,cache=auto,sandbox=chroot,xattr,posix_lock,flock",
            "--thread-pool-size=16",
        ])
        #expect(c.server.socket == .inheritedFD(7))
        #expect(c.passthrough.root == "/var/lib/share")
        #expect(c.passthrough.cache == .auto)
        #expect(c.sandbox == .chroot)
        #expect(c.passthrough.xattr)
        #expect(c.posixLocks && c.flock)
        #expect(c.server.mode == .auto(threads: 16, threshold: 3))
    }

    @Test(arguments: [("none", CacheMode.none), ("auto", .auto), ("always", .always)])
    func libvirtCacheModes(text: String, mode: CacheMode) throws {
        let c = try configuration(["--fd=3", "-o", "source=/s,cache=\(text)"])
        #expect(c.passthrough.cache == mode)
    }

    @Test(arguments: ["namespace", "chroot"])
    func libvirtSandboxes(text: String) throws {
        let c = try configuration(["--fd=3", "-o", "source=/s,sandbox=\(text)"])
        #expect(c.sandbox.rawValue == text)
    }

    @Test func libvirtLocksOff() throws {
        let c = try configuration(["--fd=3", "-o", "source=/s,no_posix_lock,no_flock"])
        #expect(!c.posixLocks && !c.flock)
    }

    @Test func libvirtInlinePool() throws {
        let c = try configuration(["--fd=3", "-o", "source=/s,cache=none,xattr", "--thread-pool-size=0"])
        #expect(c.server.mode == .inline)
        #expect(c.passthrough.cache == .none)
        // The C daemon turns readdirplus off with cache=none unless asked.
        #expect(c.passthrough.readdirplus == false)
    }

    /// libvirt escapes a comma in the source path by doubling it; fuse_opt uses a backslash.
    @Test func commaInSourcePath() throws {
        #expect(try configuration(["--fd=3", "-o", "source=/a,,b,cache=always"]).passthrough.root == "/a,b")
        #expect(try configuration(["--fd=3", "-o", "source=/a\\,b,xattr"]).passthrough.root == "/a,b")
    }

    @Test func gluedAndRepeatedDashO() throws {
        let c = try configuration(["--socket-path=/tmp/s.sock", "-osource=/s", "-o", "cache=always", "-o", "writeback"])
        #expect(c.server.socket == .path("/tmp/s.sock"))
        #expect(c.passthrough.root == "/s")
        #expect(c.passthrough.cache == .always)
        #expect(c.passthrough.writeback)
        #expect(c.passthrough.readdirplus)
    }

    @Test func everyCDaemonOption() throws {
        let c = try configuration([
            "--socket-path=/run/vfs.sock", "-o",
            "source=/s,cache=always,writeback,xattr,posix_acl,killpriv_v2,announce_submounts,allow_direct_io,"
                + "no_readdirplus,timeout=2.5,sandbox=none,log_level=warn,modcaps=+sys_admin:-chown,norace",
            "--syslog", "-f", "--rlimit-nofile=4096", "--socket-group=kvm",
        ])
        let p = c.passthrough
        #expect(p.cache == .always && p.writeback && p.xattr && p.posixACL && p.killprivV2)
        #expect(p.announceSubmounts && p.allowDirectIO && !p.readdirplus)
        #expect(p.timeout == 2.5)
        #expect(c.sandbox == .none)
        #expect(c.logLevel == .level(.warning))
        #expect(c.syslog)
        #expect(c.rlimit == .exactly(4096))
        #expect(c.socketGroup == "kvm")
        // modcaps changes the serving set: +sys_admin (21) in, -chown (0) out.
        #expect(c.capabilities.contains(21) && !c.capabilities.contains(0))
        #expect(!c.ignoredOptions.contains { $0.contains("modcaps") })
        #expect(c.ignoredOptions.contains("-f"))
    }

    @Test func lastSwitchWins() throws {
        #expect(try configuration(["--fd=3", "-o", "source=/s,xattr,no_xattr"]).passthrough.xattr == false)
        #expect(try configuration(["--fd=3", "-o", "source=/s,no_xattr", "-o", "xattr"]).passthrough.xattr)
        #expect(try configuration(["--fd=3", "-o", "source=/s,readdirplus,cache=none"]).passthrough.readdirplus)
    }

    @Test func xattrmapImpliesXattr() throws {
        let c = try configuration(["--fd=3", "-o", "source=/s,xattrmap=:map::user.virtiofs.:"])
        #expect(c.passthrough.xattr)
        #expect(c.passthrough.xattrMap != nil)
    }

    @Test func debugSpellings() throws {
        #expect(try configuration(["--fd=3", "-o", "source=/s", "-d"]).logLevel == .level(.debug))
        #expect(try configuration(["--fd=3", "-o", "source=/s,debug"]).logLevel == .level(.debug))
        #expect(try configuration(["--fd=3", "-o", "source=/s,log_level=err"]).logLevel == .level(.error))
        #expect(try configuration(["--fd=3", "-o", "source=/s"]).logLevel == .level(.info))
    }

    @Test func splitKeepsEscapes() {
        #expect(Settings.splitCompatList("a,b,,c,d\\,e,,") == ["a", "b,c", "d,e,"])
    }
}
