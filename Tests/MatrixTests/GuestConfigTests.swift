import Testing
@testable import Matrix

@Suite struct GuestConfigTests {
    let mounts = """
        /dev/vda1 / ext4 rw,relatime 0 0
        share-auto /mnt/share\\040one virtiofs rw,relatime 0 0
        share-dax /mnt/dax virtiofs rw,relatime,dax=always 0 0
        hostShared /mnt/9p 9p rw,relatime,access=client,trans=virtio,cache=loose 0 0
        hostNew /mnt/9pnew 9p rw,relatime,cache=0x5,access=client,trans=virtio 0 0
        hostNone /mnt/9pnone 9p rw,relatime,access=client,trans=virtio 0 0
        me@10.0.2.2:/srv /mnt/ssh fuse.sshfs rw,nosuid,nodev,relatime,user_id=0,group_id=0 0 0
        """

    @Test func parsesProcMountsWithEscapes() {
        let entries = MountEntry.parse(mounts)
        #expect(entries.count == 7)
        #expect(entries[1].mountPoint == "/mnt/share one")
        #expect(entries[2].options == ["rw", "relatime", "dax=always"])
    }

    @Test func virtiofsMountsAndDax() {
        let auto = Cell(backend: .straitd, cache: "auto", processing: .inline)
        #expect(auto.mountProblems(procMounts: mounts, mountPoint: "/mnt/share one").isEmpty)
        #expect(auto.mountProblems(procMounts: mounts, mountPoint: "/mnt/dax") == [
            "DAX off requested but the mount shows dax=always (rw,relatime,dax=always)"
        ])
        var dax = auto
        dax.dax = .on
        #expect(dax.mountProblems(procMounts: mounts, mountPoint: "/mnt/dax").isEmpty)
        #expect(dax.mountProblems(procMounts: mounts, mountPoint: "/mnt/share one").first?.hasPrefix("DAX on requested but the mount shows no dax option") == true)
        var inode = auto
        inode.dax = .inode
        #expect(inode.id == "straitd-auto-daxinode-inline")
        #expect(inode.mountCommand(tag: "t", mountPoint: "/m") == ["mount", "-t", "virtiofs", "-o", "dax=inode", "t", "/m"])
        #expect(inode.mountProblems(procMounts: "t /m virtiofs rw,dax=inode 0 0\n", mountPoint: "/m").isEmpty)
        #expect(inode.mountProblems(procMounts: mounts, mountPoint: "/mnt/dax").first?.hasPrefix("DAX inode requested but the mount shows dax=always") == true)
        #expect(auto.mountProblems(procMounts: mounts, mountPoint: "/mnt/9p") == ["/mnt/9p is 9p, expected virtiofs"])
        #expect(auto.mountProblems(procMounts: mounts, mountPoint: "/nope") == ["/nope is not mounted"])
        #expect(dax.mountCommand(tag: "share-dax", mountPoint: "/mnt/dax") == ["mount", "-t", "virtiofs", "-o", "dax=always", "share-dax", "/mnt/dax"])
    }

    @Test func ninepCacheByNameAndByBitMask() {
        let loose = Cell(backend: .ninep, cache: "loose")
        #expect(loose.mountProblems(procMounts: mounts, mountPoint: "/mnt/9p").isEmpty)
        let mmap = Cell(backend: .ninep, cache: "mmap")
        #expect(mmap.mountProblems(procMounts: mounts, mountPoint: "/mnt/9pnew").isEmpty)
        #expect(mmap.mountProblems(procMounts: mounts, mountPoint: "/mnt/9p").first?.hasPrefix("9p cache is loose, expected mmap") == true)
        let none = Cell(backend: .ninep, cache: "none")
        #expect(none.mountProblems(procMounts: mounts, mountPoint: "/mnt/9pnone").isEmpty)
        #expect(Cell.ninepCacheName("f") == "loose")
        // Debian bookworm's 6.1 guest, as /proc/mounts really shows it.
        let guest61 = "fs5 /mnt/fs5 9p rw,dirsync,relatime,loose,access=client,msize=512000,trans=virtio 0 0\n"
        #expect(loose.mountProblems(procMounts: guest61, mountPoint: "/mnt/fs5").isEmpty)
        #expect(none.mountProblems(procMounts: guest61, mountPoint: "/mnt/fs5").first?.hasPrefix("9p cache is loose, expected none") == true)
        #expect(Cell.ninepCacheName("0x1") == "0x1")
        #expect(loose.mountCommand(tag: "hostShared", mountPoint: "/mnt/9p") == [
            "mount", "-t", "9p", "-o", "trans=virtio,version=9p2000.L,msize=512000,cache=loose", "hostShared", "/mnt/9p",
        ])
        #expect(Cell(backend: .sshfs, cache: "none").mountProblems(procMounts: mounts, mountPoint: "/mnt/ssh").isEmpty)
    }

    @Test func daxWindowEvidence() {
        // Debian bookworm's 6.1 guest under QEMU 11.1 with a 256 MiB window, as /proc/iomem shows it.
        let iomem = """
        c0000000-febfffff : PCI Bus 0000:00
          e0000000-efffffff : 0000:00:1d.0
            e0000000-efffffff : virtio0
          f1000000-f1003fff : 0000:00:1d.0
            f1000000-f1003fff : virtio-pci-modern
        """
        #expect(Cell.iomemShowsWindow(iomem, size: 256 << 20))
        #expect(!Cell.iomemShowsWindow(iomem, size: 1 << 30))
        #expect(Cell.iomemShowsWindow(iomem, size: Cell.defaultDaxWindow))
        #expect(!Cell.iomemShowsWindow("f1000000-f1003fff : virtio-pci-modern", size: 0x4000))
        let log = """
        info straitd: [VirtioFS] DAX maps=1 unmaps=0 page_roundings=0
        info straitd: [VirtioFS] DAX maps=64 unmaps=3 page_roundings=2
        info straitd: [straitd] DAX window at exit: maps=70 unmaps=9 page_roundings=2 failures=0 empty_chunks=0
        """
        #expect(Cell.daxMapCount(daemonLog: log) == 70)
        #expect(Cell.daxMapCount(daemonLog: "info straitd: serving") == 0)
        let dax = Cell(backend: .straitd, cache: "auto", dax: .inode, processing: .inline)
        #expect(dax.daxArguments(tag: "fs3") == ["--dax-window=256M", "--tag=fs3"])
        #expect(Cell(backend: .virtiofsdC, cache: "auto", dax: .on).daxArguments(tag: "x").isEmpty)
        #expect(dax.daemonProblems(argv: ["straitd", "--cache=auto", "--thread-pool-size=0"]).contains("daemon command line lacks --dax-window=256M"))
        #expect(dax.daemonProblems(argv: ["straitd", "--cache=auto", "--thread-pool-size=0", "--dax-window=256M", "--tag=fs3"]).isEmpty)
    }

    /// The window size from the matrix (`dax-window:`) or a cell's options, into straitd's
    /// arguments and the runner's checks; only DAX cells get one.
    @Test func daxWindowFromTheMatrix() throws {
        let yaml = """
        axes: {backend: [straitd], cache: [auto], dax: [off, on]}
        dax-window: 128M
        include:
          - {backend: straitd, cache: always, dax: inode, options: ["-o", "dax_window=64M"], label: w64}
          - {backend: straitd, cache: always, options: ["--dax-window=64M"], label: nodax}
        workloads: {fio: {patterns: [randread], engines: [psync]}}

        """
        let e = try Matrix.parse(yaml: yaml).expand()
        let byID = Dictionary(uniqueKeysWithValues: e.cells.map { ($0.id, $0) })
        let off = try #require(byID["straitd-auto-inline"]), on = try #require(byID["straitd-auto-dax-inline"])
        let w64 = try #require(byID["straitd-always-daxinode-inline-w64"])
        #expect(off.options.isEmpty && off.daxArguments(tag: "t").isEmpty)
        #expect(on.options == ["--dax-window=128M"] && on.daxWindow == 128 << 20)
        #expect(on.daxArguments(tag: "t") == ["--tag=t"])
        #expect(w64.daxWindow == 64 << 20 && w64.options == ["-o", "dax_window=64M"])
        #expect(e.dropped.contains { $0.cell.label == "nodax" && $0.reason.contains("maps nothing") })
        #expect(on.daemonProblems(argv: ["straitd", "--cache=auto", "--thread-pool-size=0", "--dax-window=128M", "--tag=fs0"]).isEmpty)
        #expect(on.daemonProblems(argv: ["straitd", "--cache=auto", "--thread-pool-size=0", "--dax-window=256M", "--tag=fs0"])
            == ["daemon offers a 256M DAX window, expected 128 MiB"])
        #expect(Cell(backend: .straitd, cache: "auto", dax: .on).daxWindow == Cell.defaultDaxWindow)
        #expect(Cell.windowSize("1G") == 1 << 30 && Cell.windowSize("3M") == nil && Cell.windowSize("65G") == nil && Cell.windowSize("x") == nil)
        #expect(throws: MatrixError.self) { try Matrix.parse(yaml: yaml.replacingOccurrences(of: "128M", with: "101M")) }
    }

    @Test func daxCellsNeedTheDaxQEMUAndStraitd() {
        let dax = Cell(backend: .straitd, cache: "auto", dax: .on, processing: .inline)
        #expect(dax.skipReason(daxVMM: nil)?.hasPrefix("DAX needs QEMU 11.1") == true)
        #expect(dax.skipReason(daxVMM: "/opt/strait-qemu-11/bin/qemu-system-x86_64") == nil)
        #expect(Cell(backend: .straitd, cache: "auto", processing: .inline).skipReason(daxVMM: nil) == nil)
        #expect(dax.daxUnsupportedReason == nil)
        #expect(Cell(backend: .virtiofsdRust, cache: "auto", dax: .inode).daxUnsupportedReason?.contains("ENOSYS") == true)
        #expect(Cell(backend: .virtiofsdC, cache: "auto").daxUnsupportedReason == nil)
    }

    @Test func processingArgumentsPerBackend() {
        #expect(Cell(backend: .straitd, cache: "auto", processing: .inline).processingArguments == ["--thread-pool-size=0"])
        #expect(Cell(backend: .straitd, cache: "auto", processing: .pool(16)).processingArguments == ["--processing=pool", "--thread-pool-size=16"])
        #expect(Cell(backend: .straitd, cache: "auto", processing: .autoSwitch(threshold: 4, pool: 8)).processingArguments == [
            "--processing=auto", "--thread-pool-size=8", "--inline-threshold=4",
        ])
        #expect(Cell(backend: .virtiofsdC, cache: "auto", processing: .pool(64)).processingArguments == ["--thread-pool-size=64"])
        #expect(Cell(backend: .ninep, cache: "loose").processingArguments.isEmpty)
    }

    @Test func daemonCommandLineChecks() {
        let cell = Cell(backend: .straitd, cache: "auto", processing: .pool(16))
        let good = ["straitd", "--socket-path=/tmp/s", "-o", "source=/srv,cache=auto,xattr", "--processing=pool", "--thread-pool-size=16"]
        #expect(cell.daemonProblems(argv: good).isEmpty)
        let wrongCache = ["straitd", "--socket-path=/tmp/s", "-o", "source=/srv,cache=always", "--processing=pool", "--thread-pool-size=16"]
        #expect(cell.daemonProblems(argv: wrongCache) == ["daemon runs with cache=always, expected auto"])
        #expect(cell.daemonProblems(argv: ["straitd", "--shared-dir", "/srv"]) == [
            "no cache option on the daemon's command line", "daemon command line lacks --processing=pool",
            "daemon command line lacks --thread-pool-size=16",
        ])
        let rust = Cell(backend: .virtiofsdRust, cache: "none", processing: .inline)
        #expect(rust.daemonProblems(argv: ["virtiofsd", "--shared-dir", "/srv", "--cache", "never", "--thread-pool-size=0"]).isEmpty)
        #expect(DaemonArgv.values(of: "cache", in: ["x", "-ocache=none", "--cache=auto"]) == ["none", "auto"])
    }
}

@Suite struct NinepOptionsTests {
    @Test func cellOptionsReplaceDefaultsAndAdd() {
        let plain = Cell(backend: .ninep, cache: "loose")
        #expect(plain.mountCommand(tag: "t", mountPoint: "/m") == ["mount", "-t", "9p", "-o", "trans=virtio,version=9p2000.L,msize=512000,cache=loose", "t", "/m"])
        let big = Cell(backend: .ninep, cache: "mmap", options: ["-o", "msize=16777216,cache=none", "posixacl"])
        #expect(big.ninepMountOptions == ["trans=virtio", "version=9p2000.L", "msize=16777216", "cache=mmap", "posixacl"])
    }
}

@Suite struct NativeCellTests {
    @Test func nativeIsOneCellOnTheGuestsDisk() throws {
        let e = try Matrix.parse(yaml: """
            axes: {backend: [native, straitd], cache: [none, auto], dax: [off, on], processing: [inline, "pool:4"]}
            workloads: {tar: {files: 10}}
            """).expand()
        #expect(e.cells.filter { $0.backend == .native }.map(\.id) == ["native"])
        let native = Cell(backend: .native, cache: "none")
        #expect(native.mountCommand(tag: "fs0", mountPoint: "/mnt/fs0") == ["mkdir", "-p", "/mnt/fs0"])
        #expect(native.mountProblems(procMounts: "/dev/vda1 / ext4 rw 0 0\n", mountPoint: "/mnt/fs0").isEmpty)
        #expect(native.mountProblems(procMounts: "fs0 /mnt/fs0 virtiofs rw 0 0\n", mountPoint: "/mnt/fs0")
            == ["/mnt/fs0 is a virtiofs mount, expected a directory of the guest's own disk"])
        #expect(Cell(backend: .native, cache: "none", dax: .on).invalidReason?.contains("DAX applies to virtio-fs") == true)
    }
}

@Suite struct NinepMsizeCheckTests {
    @Test func aClampedMsizeIsAProblem() {
        let cell = Cell(backend: .ninep, cache: "mmap", options: ["msize=16777216"])
        let clamped = "t /mnt/a 9p rw,relatime,mmap,access=client,msize=512000,trans=virtio 0 0\n"
        #expect(cell.mountProblems(procMounts: clamped, mountPoint: "/mnt/a") == ["9p msize=512000, asked msize=16777216 (the guest kernel's transport limit?)"])
        let taken = clamped.replacingOccurrences(of: "msize=512000", with: "msize=16777216")
        #expect(cell.mountProblems(procMounts: taken, mountPoint: "/mnt/a").isEmpty)
        #expect(Cell(backend: .ninep, cache: "mmap").mountProblems(procMounts: clamped, mountPoint: "/mnt/a").isEmpty)
    }
}
