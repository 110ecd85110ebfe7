import DaemonOptions
import Passthrough
import Testing
import VirtioFS

/// The Rust daemon's separate options, as newer libvirt and hand-written scripts pass them.
@Suite struct LongStyleTests {
    @Test func minimalWithSpaces() throws {
        let c = try configuration(["--shared-dir", "/srv", "--socket-path", "/tmp/v.sock"])
        #expect(c.passthrough.root == "/srv")
        #expect(c.server.socket == .path("/tmp/v.sock"))
    }

    /// What libvirt passes once --print-capabilities lists "separate-options".
    @Test func libvirtSeparateOptions() throws {
        let c = try configuration([
            "--fd=12", "--shared-dir=/srv/share", "--cache=never", "--sandbox=chroot", "--xattr",
            "--thread-pool-size=2",
        ])
        #expect(c.server.socket == .inheritedFD(12))
        #expect(c.passthrough.cache == .none)
        #expect(c.sandbox == .chroot)
        #expect(c.passthrough.xattr)
        #expect(c.server.mode == .auto(threads: 2, threshold: 3))
    }

    @Test(arguments: [("never", CacheMode.none), ("none", .none), ("auto", .auto), ("always", .always),
                      ("metadata", .metadata)])
    func cacheSpellings(text: String, mode: CacheMode) throws {
        #expect(try configuration(["--shared-dir=/s", "--fd=3", "--cache", text]).passthrough.cache == mode)
    }

    @Test func everyRustFlag() throws {
        let c = try configuration([
            "--shared-dir=/s", "--socket=/tmp/old.sock", "--posix-acl", "--xattrmap=:prefix:all::user.virtiofs.::bad:all:::",
            "--announce-submounts", "--inode-file-handles=prefer", "--no-readdirplus", "--writeback",
            "--allow-direct-io", "--killpriv-v2", "--log-level=trace", "--rlimit-nofile=0",
            "--sandbox=none", "--seccomp=none", "--modcaps=-chown", "--tag=fs0", "--allow-mmap",
            "--preserve-noatime", "--security-label", "--migration-mode=file-handles",
            "--migration-on-error=guest-error", "--migration-verify-handles", "--migration-confirm-paths",
        ])
        let p = c.passthrough
        #expect(c.server.socket == .path("/tmp/old.sock"))
        #expect(p.posixACL && p.xattr && p.xattrMap != nil)
        #expect(p.announceSubmounts && !p.readdirplus && p.writeback && p.allowDirectIO && p.killprivV2)
        #expect(p.inodeFileHandles == .prefer)
        #expect(c.logLevel == .level(.trace))
        #expect(c.rlimit == .unchanged)
        #expect(c.sandbox == .none)
        #expect(c.seccomp == .none)
        // --modcaps=-chown; file handles add DAC_READ_SEARCH (2) to what serving keeps.
        #expect(c.capabilities == Set([1, 2, 3, 4, 6, 7, 27, 31]))
        #expect(c.ignoredOptions.count == 7)
        #expect(c.server.tag == "fs0" && c.server.daxWindow == nil)
    }

    @Test func confinementDefaultsAndReadonly() throws {
        let c = try configuration(["--shared-dir=/s", "--socket-path=/tmp/x", "--readonly"])
        #expect(c.seccomp == .kill)
        #expect(c.capabilities == Set([0, 1, 3, 4, 6, 7, 27, 31]))  // CapEff 0x880000db, as virtiofsd
        #expect(c.passthrough.readonly)
        #expect(try configuration(["--shared-dir=/s", "--fd=3", "--seccomp=trap"]).seccomp == .trap)
        #expect(try configuration(["--shared-dir=/s", "--fd=3", "--modcaps=+CAP_SYS_ADMIN:+lease"]).capabilities.isSuperset(of: [21, 28]))
    }

    @Test func defaults() throws {
        let c = try configuration(["--shared-dir=/s", "--socket-path=/tmp/x"])
        let p = c.passthrough
        #expect(p.cache == .auto && !p.xattr && !p.posixACL && !p.writeback && p.readdirplus)
        #expect(!p.killprivV2 && !p.announceSubmounts && !p.allowDirectIO && p.inodeFileHandles == .never)
        #expect(p.timeout == nil && p.xattrMap == nil)
        #expect(c.rlimit == .automatic && !c.syslog && c.socketGroup == nil)
        #expect(c.server.requestQueues == ServerConfiguration(socket: .path("/")).requestQueues)
        #expect(c.ignoredOptions.isEmpty)
    }

    @Test func negativeSwitches() throws {
        let c = try configuration(["--shared-dir=/s", "--fd=3", "--announce-submounts", "--no-announce-submounts",
                                   "--killpriv-v2", "--no-killpriv-v2"])
        #expect(!c.passthrough.announceSubmounts && !c.passthrough.killprivV2)
    }

    @Test func fallbackIsPrefer() throws {
        #expect(try configuration(["--shared-dir=/s", "--fd=3", "--inode-file-handles=fallback"])
            .passthrough.inodeFileHandles == .prefer)
    }

    @Test func mixedStylesAgreeing() throws {
        let c = try configuration(["-o", "source=/s,cache=always", "--shared-dir=/s/", "--cache=always", "--fd=4"])
        #expect(c.passthrough.root == "/s")
        #expect(c.passthrough.cache == .always)
    }

    @Test func capabilitiesHelpVersion() throws {
        guard case .printCapabilities = try DaemonCommand.parse(["--print-capabilities"]) else {
            Issue.record("--print-capabilities"); return
        }
        guard case .help = try DaemonCommand.parse(["-h"]), case .help = try DaemonCommand.parse(["--help"]) else {
            Issue.record("help"); return
        }
        guard case .version = try DaemonCommand.parse(["-V"]), case .version = try DaemonCommand.parse(["--version"])
        else { Issue.record("version"); return }
        // libvirt probes with other options around; the probe still wins.
        guard case .printCapabilities = try DaemonCommand.parse(["--fd=3", "--print-capabilities"]) else {
            Issue.record("probe with options"); return
        }
    }

    /// `--dax-window=SIZE` and `--tag=TAG` (also `-o dax_window=`, `-o tag=`): the window the
    /// generic vhost-user device maps into, which needs the tag in the config space.
    @Test func daxWindowAndTag() throws {
        let c = try configuration(["--shared-dir=/s", "--socket-path=/tmp/x", "--dax-window=1G", "--tag=fs"])
        #expect(c.server.daxWindow == 1 << 30 && c.server.tag == "fs")
        let o = try configuration(["--socket-path=/tmp/x", "-o", "source=/s,dax_window=64M,tag=share"])
        #expect(o.server.daxWindow == 64 << 20 && o.server.tag == "share")
        #expect(try configuration(["--shared-dir=/s", "--socket-path=/tmp/x", "--dax-window=4194304", "--tag=t"]).server.daxWindow == 4 << 20)
        #expect(try configuration(["--shared-dir=/s", "--socket-path=/tmp/x"]).server.daxWindow == nil)
        for bad in ["0", "1M", "3M", "65G", "x", "1T", "-2M", ""] {
            #expect(parseError(["--shared-dir=/s", "--socket-path=/tmp/x", "--dax-window=\(bad)", "--tag=t"])?.code == .invalidValue, "\(bad)")
        }
        #expect(parseError(["--shared-dir=/s", "--socket-path=/tmp/x", "--dax-window=2M"])?.code == .conflict)
        #expect(parseError(["--shared-dir=/s", "--socket-path=/tmp/x", "--dax-window=2M", "--tag=t", "--readonly"])?.code == .conflict)
        #expect(parseError(["--shared-dir=/s", "--socket-path=/tmp/x", "--tag=\(String(repeating: "a", count: 37))"])?.code == .invalidValue)
    }

    /// killpriv_v2 is on by default with a window (the guest then sets SB_NOSEC and stops asking
    /// for security.capability before every write through the window, docs/dax.md); an explicit
    /// switch wins either way, and without a window the default stays off.
    @Test func killprivV2FollowsTheWindow() throws {
        let base = ["--shared-dir=/s", "--socket-path=/tmp/x", "--dax-window=64M", "--tag=t"]
        #expect(try configuration(base).passthrough.killprivV2)
        #expect(try !configuration(base + ["--no-killpriv-v2"]).passthrough.killprivV2)
        #expect(try configuration(["--socket-path=/tmp/x", "-o", "source=/s,dax_window=64M,tag=t"]).passthrough.killprivV2)
        #expect(try !configuration(["--socket-path=/tmp/x", "-o", "source=/s,dax_window=64M,tag=t,no_killpriv_v2"]).passthrough.killprivV2)
        #expect(try !configuration(["--shared-dir=/s", "--socket-path=/tmp/x"]).passthrough.killprivV2)
    }
}
