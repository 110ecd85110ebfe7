import DaemonLaunch
import Glibc
import Testing
import VhostUserFuzz

/// A hostile guest against straitd in every sandbox mode and against both reference daemons. The
/// vectors live in VhostUserFuzz (`HostileVector`), where the gate's hostile cell runs them too
/// (`strait-load --hostile`); each returns what it found, and here every finding fails the test.
@Suite("hostile guest", .serialized)
struct HostileGuestTests {
    static let straitd = PeerDaemons.straitdBinary
    /// straitd in each sandbox, with and without file handles (the `..` vector needs them).
    static let daemons: [DaemonCommandLine] = [
        straitdSpec("straitd-none", ["--sandbox=none", "--dax-window=16M", "--tag=hostile"]),
        straitdSpec("straitd-none-handles", ["--sandbox=none", "--inode-file-handles=prefer"]),
        straitdSpec("straitd-chroot", ["--sandbox=chroot"]),
        straitdSpec("straitd-namespace", ["--sandbox=namespace", "--dax-window=16M", "--tag=hostile"]),
        straitdSpec("straitd-namespace-handles", ["--sandbox=namespace", "--inode-file-handles=prefer"]),
        DaemonCommandLine(name: "virtiofsd-c", arguments: [PeerDaemons.cBinary, "--socket-path={socket}", "-o", "source={dir},cache=auto,xattr"]),
        DaemonCommandLine(name: "virtiofsd-rust", arguments: [PeerDaemons.rustBinary, "--socket-path={socket}", "--shared-dir={dir}", "--cache=auto", "--xattr"]),
    ]

    static func straitdSpec(_ name: String, _ extra: [String]) -> DaemonCommandLine {
        DaemonCommandLine(name: name, arguments: [straitd, "--socket-path={socket}", "--shared-dir={dir}", "--cache=auto", "--xattr"] + extra)
    }

    static var runnable: [DaemonCommandLine] { daemons.filter(PeerDaemons.available) }
    static var isRoot: Bool { geteuid() == 0 }

    func expectSafe(_ vector: HostileVector, _ daemon: DaemonCommandLine) {
        for finding in vector.run(against: daemon) { Issue.record(Comment(rawValue: finding)) }
    }

    @Test("a guest-made device node is never opened (CVE-2020-35517)", .enabled(if: isRoot, "mknod of a device needs root"),
          arguments: runnable)
    func deviceNode(_ daemon: DaemonCommandLine) { expectSafe(.deviceNode, daemon) }

    @Test("CREATE and OPEN of a FIFO answer at once and the queue keeps going", arguments: runnable)
    func fifo(_ daemon: DaemonCommandLine) { expectSafe(.fifo, daemon) }

    @Test("'..' never climbs above the share, whatever node reaches the root", arguments: runnable)
    func dotDot(_ daemon: DaemonCommandLine) { expectSafe(.dotDot, daemon) }

    @Test("symlinks to outside are never followed", arguments: runnable)
    func symlinksOut(_ daemon: DaemonCommandLine) { expectSafe(.symlinksOut, daemon) }

    @Test("names with '/', NUL, '..' or over 255 bytes create nothing", arguments: runnable)
    func badNames(_ daemon: DaemonCommandLine) {
        // Found by this suite: QEMU 7.2's C virtiofsd aborts (glibc's fortify check, "O_CREAT
        // without mode") on a name that holds a NUL, so any guest can stop it.
        let known = daemon.name == "virtiofsd-c"
        withKnownIssue("C virtiofsd 7.2 aborts on a name with a NUL", isIntermittent: !known) {
            expectSafe(.badNames, daemon)
        } when: { known }
    }

    @Test("node ids and handles never issued, forgotten or released twice", arguments: runnable)
    func staleIdentifiers(_ daemon: DaemonCommandLine) { expectSafe(.staleIdentifiers, daemon) }

    @Test("huge sizes and offsets are refused or bounded", arguments: runnable)
    func hugeNumbers(_ daemon: DaemonCommandLine) { expectSafe(.hugeNumbers, daemon) }

    @Test("privileged xattr namespaces are refused", .enabled(if: isRoot, "as root only a dropped capability refuses trusted.*"),
          arguments: runnable)
    func privilegedXattrs(_ daemon: DaemonCommandLine) { expectSafe(.privilegedXattrs, daemon) }

    @Test("SETUPMAPPING outside the window or the file is refused", arguments: runnable)
    func mappingOffsets(_ daemon: DaemonCommandLine) { expectSafe(.mappingOffsets, daemon) }

    @Test("600 live 4 KiB maps: refused past the daemon's budget, never past a backend's memory slots", arguments: runnable)
    func mapFlood(_ daemon: DaemonCommandLine) { expectSafe(.mapFlood, daemon) }

    /// With an xattr map that confines the guest to user.virtiofs.*, a guest's trusted.* name
    /// lands under the prefix, never as a host trusted.* attribute.
    @Test("xattrmap keeps a guest's trusted.* under its prefix", .enabled(if: isRoot, "trusted.* is only settable as root"),
          arguments: xattrmapDaemons.filter(PeerDaemons.available))
    func xattrmapPrefix(_ daemon: DaemonCommandLine) { expectSafe(.xattrmapPrefix, daemon) }

    /// The vectors can fail: a daemon that never serves is a finding, not a pass.
    @Test("a daemon that never starts is a finding")
    func brokenDaemonIsAFinding() {
        let findings = HostileVector.fifo.run(against: DaemonCommandLine(name: "false", arguments: ["/bin/false"]))
        #expect(!findings.isEmpty)
    }

    static let map = HostileGuest.xattrMap
    static let xattrmapDaemons: [DaemonCommandLine] = [
        straitdSpec("straitd-xattrmap", ["--sandbox=none", "--xattrmap=\(map)"]),
        DaemonCommandLine(name: "virtiofsd-c", arguments: [PeerDaemons.cBinary, "--socket-path={socket}", "-o", "source={dir},cache=auto,xattr,xattrmap=\(map)"]),
        DaemonCommandLine(name: "virtiofsd-rust", arguments: [PeerDaemons.rustBinary, "--socket-path={socket}", "--shared-dir={dir}", "--cache=auto", "--xattr", "--xattrmap=\(map)"]),
    ]
}
