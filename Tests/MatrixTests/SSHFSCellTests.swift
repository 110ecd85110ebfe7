import Matrix
import Testing

/// How sshfs cells mount and how their configuration is checked.
struct SSHFSCellTests {
    @Test func mountCommandPerCacheMode() {
        let connection = ["port=40022", "IdentityFile=/root/.ssh/k"]
        let none = Cell(backend: .sshfs, cache: "none")
        #expect(none.mountCommand(tag: "root@10.0.2.2:/srv/a", mountPoint: "/mnt/a", connection: connection) == [
            "sshfs", "-o", "port=40022,IdentityFile=/root/.ssh/k,dir_cache=no,direct_io", "root@10.0.2.2:/srv/a", "/mnt/a",
        ])
        let auto = Cell(backend: .sshfs, cache: "auto", options: ["-o", "reconnect"])
        #expect(auto.mountCommand(tag: "root@10.0.2.2:/srv/b", mountPoint: "/mnt/b", connection: connection) == [
            "sshfs", "-o", "port=40022,IdentityFile=/root/.ssh/k", "-o", "reconnect", "root@10.0.2.2:/srv/b", "/mnt/b",
        ])
        #expect(auto.mountCommand(tag: "h:/d", mountPoint: "/m") == ["sshfs", "-o", "reconnect", "h:/d", "/m"])
    }

    @Test func guestSSHFSArgvMustCarryTheCacheOptions() {
        let argv = ["sshfs", "-o", "port=40022,dir_cache=no,direct_io", "root@10.0.2.2:/srv/a", "/mnt/a"]
        #expect(Cell(backend: .sshfs, cache: "none").sshfsProblems(argv: argv).isEmpty)
        #expect(Cell(backend: .sshfs, cache: "auto").sshfsProblems(argv: argv) == [
            "sshfs runs with -o dir_cache=no but cache=auto wants sshfs defaults",
            "sshfs runs with -o direct_io but cache=auto wants sshfs defaults",
        ])
        let plain = ["sshfs", "-oport=40022", "root@10.0.2.2:/srv/a", "/mnt/a"]
        #expect(Cell(backend: .sshfs, cache: "auto").sshfsProblems(argv: plain).isEmpty)
        #expect(Cell(backend: .sshfs, cache: "none").sshfsProblems(argv: plain) == [
            "sshfs runs without -o dir_cache=no (cache=none)", "sshfs runs without -o direct_io (cache=none)",
        ])
        #expect(Cell(backend: .sshfs, cache: "none").sshfsProblems(argv: []) == ["no sshfs process serves the mount"])
        #expect(Cell(backend: .straitd, cache: "none").sshfsProblems(argv: []).isEmpty)
    }

    @Test func mountMustBeFuseSSHFS() {
        let mounts = """
            root@10.0.2.2:/tmp/strait-runs/x/share-fs1 /mnt/strait/fs1 fuse.sshfs rw,nosuid,nodev,relatime,user_id=0,group_id=0 0 0
            fs0 /mnt/strait/fs0 virtiofs rw,relatime 0 0
            """
        #expect(Cell(backend: .sshfs, cache: "auto").mountProblems(procMounts: mounts, mountPoint: "/mnt/strait/fs1").isEmpty)
        #expect(Cell(backend: .sshfs, cache: "auto").mountProblems(procMounts: mounts, mountPoint: "/mnt/strait/fs0")
            == ["/mnt/strait/fs0 is virtiofs, expected fuse.sshfs"])
        #expect(Cell(backend: .sshfs, cache: "auto").mountProblems(procMounts: mounts, mountPoint: "/mnt/strait/fs2")
            == ["/mnt/strait/fs2 is not mounted"])
    }
}
