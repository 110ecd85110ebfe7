import Foundation
import Matrix
import Posix
import Results
@testable import Runner
import Stats
import Testing

struct TarTreeTests {
    func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runner-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func sameSeedSameTreeOtherSeedOtherTree() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try TarTree.make(TarWorkload(files: 120, seed: 7), in: dir + "/a")
        let b = try TarTree.make(TarWorkload(files: 120, seed: 7), in: dir + "/b")
        let c = try TarTree.make(TarWorkload(files: 120, seed: 8), in: dir + "/c")
        #expect(a.files.count == 120)
        #expect(a.files == b.files)
        let first = try #require(a.files.first)
        #expect(FileManager.default.contents(atPath: a.root + "/" + first) == FileManager.default.contents(atPath: b.root + "/" + first))
        #expect(FileManager.default.contents(atPath: a.tarball) == FileManager.default.contents(atPath: b.tarball), "tarball not reproducible")
        #expect(FileManager.default.contents(atPath: a.tarball) != FileManager.default.contents(atPath: c.tarball))
    }

    @Test func verificationFindsChangedMissingAndExtraFiles() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = try TarTree.make(TarWorkload(files: 50, seed: 1), in: dir)
        let out = dir + "/x"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        _ = try HostRun.tar(["-xf", tree.tarball, "-C", out])
        #expect(tree.verify(extracted: out).passed)
        #expect(tree.verify(extracted: out).filesChecked == 50)

        let victim = out + "/tree/" + tree.files[3]
        try Data("changed".utf8).write(to: URL(fileURLWithPath: victim))
        try FileManager.default.removeItem(atPath: out + "/tree/" + tree.files[7])
        FileManager.default.createFile(atPath: out + "/tree/intruder", contents: Data())
        let v = tree.verify(extracted: out)
        #expect(!v.passed)
        #expect(v.mismatches.contains { $0.hasPrefix(tree.files[3]) && $0.contains("differ") })
        #expect(v.mismatches.contains { $0.hasPrefix(tree.files[7]) && $0.contains("missing") })
        #expect(v.mismatches.contains { $0.hasPrefix("intruder") })
    }
}

enum HostRun {
    static func tar(_ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        p.arguments = args
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}

struct CellDaemonTests {
    let binaries = DaemonBinaries(straitd: "/x/straitd", virtiofsdC: "/x/c", virtiofsdRust: "/x/rust")

    /// The argv the runner starts must pass the runner's own check that the configuration took effect.
    @Test(arguments: [ShareBackend.straitd, .virtiofsdC, .virtiofsdRust])
    func daemonArgvPassesTheConfigurationCheck(backend: ShareBackend) throws {
        for cache in ["none", "auto", "always"] {
            for processing in [Processing.inline, .pool(16)] + (backend == .straitd ? [.autoSwitch(threshold: 4, pool: 8)] : []) {
                let cell = Cell(backend: backend, cache: cache, processing: processing)
                let spec = try #require(binaries.command(for: cell))
                let argv = spec.expanded(socket: "/s", dir: "/d", cache: DaemonBinaries.daemonCache(for: cell))
                #expect(cell.daemonProblems(argv: argv).isEmpty, "\(cell.id): \(argv)")
                // and a daemon started with another cache mode is caught
                let other = Cell(backend: backend, cache: cache == "auto" ? "always" : "auto", processing: processing)
                #expect(!other.daemonProblems(argv: argv).isEmpty, "\(other.id) accepted \(argv)")
            }
        }
        #expect(binaries.command(for: Cell(backend: .ninep, cache: "loose")) == nil)
    }

    @Test func missingBinaryIsAReason() {
        #expect(binaries.missing(for: Cell(backend: .straitd, cache: "auto"))?.contains("/x/straitd") == true)
        #expect(binaries.missing(for: Cell(backend: .ninep, cache: "none")) == nil)
    }

    @Test func processArgvReadsOurOwnCommandLine() throws {
        let argv = try #require(Subprocess.argv(of: getpid()))
        #expect(argv.first == CommandLine.arguments.first)
    }

    /// Every piece of a split DAX matrix runs on the DAX QEMU, also a shard or filter that holds
    /// only its no-DAX cells (else the pieces ran on different VMMs and could not be merged).
    @Test func daxMatrixPiecesShareTheDaxVMM() throws {
        let dax = try Matrix.parse(yaml: "axes: {backend: [straitd], cache: [auto], dax: [off, on]}\nworkloads: {fio: {patterns: [randread], engines: [psync]}}\n")
        let plain = try Matrix.parse(yaml: "axes: {backend: [straitd, virtiofsd-rust], cache: [auto]}\nworkloads: {fio: {patterns: [randread], engines: [psync]}}\n")
        var options = RunOptions(variants: [Variant(name: "run", binaries: binaries)], resultsRoot: "/nonexistent", recipe: "/nonexistent")
        options.filter = try CellFilter.parse("dax=off")
        let offOnly = MatrixRunner(matrix: dax, options: options)
        #expect(offOnly.expansion.cells.allSatisfy { !$0.mapsThroughWindow } && !offOnly.expansion.cells.isEmpty)
        #expect(offOnly.wantsDaxVMM)
        #expect(!MatrixRunner(matrix: plain, options: options).wantsDaxVMM)
    }

    @Test func vmPlanKeepsDevicesPerVMBounded() {
        let cells = (0..<20).map { Cell(backend: .straitd, cache: "auto", label: "l\($0)") }
        let variant = Variant(name: "run", binaries: binaries)
        let slots = cells.enumerated().map { ShareSlot(variant: variant, cell: $1, key: "fs\($0)") }
        let groups = VMPlan.groups(slots)
        #expect(groups.map(\.count) == [VMPlan.maxDevices, 20 - VMPlan.maxDevices])
        #expect(groups.flatMap { $0 }.map(\.key) == slots.map(\.key))
    }

    @Test func vmPlanNeverMixesMachines() {
        let variant = Variant(name: "run", binaries: binaries)
        let cells = [Cell(backend: .straitd, cache: "auto"), Cell(backend: .straitd, cache: "auto", vmm: .qemu11, image: "debian-trixie", queues: 2),
                     Cell(backend: .virtiofsdC, cache: "auto"), Cell(backend: .straitd, cache: "auto", vmm: .qemu11, image: "debian-trixie")]
        let slots = cells.enumerated().map { ShareSlot(variant: variant, cell: $1, key: "fs\($0)") }
        let groups = VMPlan.groups(slots) { "\($0.cell.value(of: .vmm))|\($0.cell.value(of: .image))" }
        #expect(groups.map { $0.map(\.key) } == [["fs0", "fs2"], ["fs1", "fs3"]])
    }

    /// A window's mappings land in every vhost-user table of its VM (the C virtiofsd panicked on
    /// them and QEMU crashed): window cells boot apart from the others, within straitd's slots.
    @Test func vmPlanKeepsDaxWindowsAwayFromOtherDaemons() {
        let variant = Variant(name: "run", binaries: binaries)
        let window = { (label: String) in Cell(backend: .straitd, cache: "auto", dax: .on, label: label) }
        let cells = [Cell(backend: .virtiofsdC, cache: "auto"), window("w1"), Cell(backend: .straitd, cache: "auto"),
                     window("w2"), window("w3"), window("w4"), Cell(backend: .virtiofsdC, cache: "none", dax: .on)]
        let slots = cells.enumerated().map { ShareSlot(variant: variant, cell: $1, key: "fs\($0)") }
        let groups = VMPlan.groups(slots).map { $0.map(\.key) }
        // 256 MiB windows are 128 ranges each: three fit in 480, the fourth boots its own VM. The C
        // daemon's DAX cell maps nothing through a window (unsupported), so it stays with the others.
        #expect(groups == [["fs0", "fs2", "fs6"], ["fs1", "fs3", "fs4"], ["fs5"]])
        let big = Cell(backend: .straitd, cache: "auto", dax: .on, options: ["--dax-window=2G"])
        #expect(VMPlan.windowRanges(ShareSlot(variant: variant, cell: big, key: "x")) == 1024)
        #expect(VMPlan.groups([ShareSlot(variant: variant, cell: big, key: "x")]).count == 1)
    }
}

struct DaemonSourceTests {
    @Test func anExecutableIsUsedAsIs() throws {
        let resolved = try DaemonSource.resolve("/bin/true", repo: "/", log: { _ in })
        #expect(resolved.binary == "/bin/true")
    }

    @Test func somethingElseMustBeARef() {
        #expect(throws: RunnerError.self) {
            try DaemonSource.resolve("no-such-ref-\(UUID().uuidString)", repo: FileManager.default.currentDirectoryPath, log: { _ in })
        }
    }
}

/// Whom a VM that never became ready is blamed on (`BootFailure`).
struct BootFailureTests {
    @Test func aliveDaemonsAreTheMachinesFailureAnExitedOneIsItsOwn() {
        let all = BootFailure.blame("VM did not boot: vm0 not ready", exited: [nil, nil])
        #expect(all.allSatisfy { $0.infrastructure })
        #expect(all[0].reason == "VM infrastructure, not this daemon: VM did not boot: vm0 not ready (every daemon of the VM still running)")
        let one = BootFailure.blame("VM did not boot: vm0 not ready", exited: ["straitd", nil])
        #expect(one[0] == BootFailure.Blame(infrastructure: false, reason: "straitd exited before the VM was ready (VM did not boot: vm0 not ready)"))
        #expect(one[1].infrastructure && one[1].reason.hasSuffix("(another share's daemon (straitd) exited)"))
    }

    @Test func theFlagReachesTheCellResultOnlyWithAFailure() {
        let cell = Cell(backend: .straitd, cache: "auto")
        let slot = ShareSlot(variant: Variant(name: "run", binaries: DaemonBinaries(straitd: "/bin/true")), cell: cell, key: "s0")
        let state = SlotState(slot: slot, hostDir: "/nonexistent", workloads: [])
        #expect(state.result.infrastructure == nil && state.result.verdict == .pass)
        state.fail(BootFailure.Blame(infrastructure: true, reason: "VM infrastructure, not this daemon: x"))
        #expect(state.result.infrastructure == true)
        #expect(state.result.verdict == .fail("VM infrastructure, not this daemon: x"))
        // The first failure wins, as with fail(String).
        state.fail("straitd exited during tar")
        #expect(state.result.verdict == .fail("VM infrastructure, not this daemon: x"))
        let other = SlotState(slot: slot, hostDir: "/nonexistent", workloads: [])
        other.fail(BootFailure.Blame(infrastructure: false, reason: "straitd exited before the VM was ready (x)"))
        #expect(other.result.infrastructure == nil && other.result.verdict.label == "fail")
    }
}

/// Whom a guest command is blamed on when the share's daemon or the VM goes away under it, and
/// what the cell's workloads then read (`WorkloadWatch`).
struct WorkloadWatchTests {
    @Test func aDeadDaemonIsItsOwnFailureAStoppedVMUnderALiveOneIsTheMachines() {
        // Both alive: nothing to stop.
        #expect(WorkloadWatch.cause(daemon: "straitd", status: nil, vmActive: true) == nil)
        // The daemon died while the VM ran: whatever the status, the daemon's failure.
        #expect(WorkloadWatch.cause(daemon: "straitd", status: .signalled(SIGKILL), vmActive: true) == .daemon("straitd", .signalled(SIGKILL)))
        #expect(WorkloadWatch.cause(daemon: "virtiofsd-c", status: .exited(0), vmActive: true) == .daemon("virtiofsd-c", .exited(0)))
        // The VM stopped while the daemon ran, or the daemon followed it with exit 0: the machine.
        #expect(WorkloadWatch.cause(daemon: "straitd", status: nil, vmActive: false) == .vm(daemon: "straitd"))
        #expect(WorkloadWatch.cause(daemon: "straitd", status: .exited(0), vmActive: false) == .vm(daemon: "straitd"))
        // Both gone, the daemon by a signal or an error: the daemon's (QEMU quits on some vhost-user errors).
        #expect(WorkloadWatch.cause(daemon: "straitd", status: .signalled(SIGSEGV), vmActive: false) == .daemon("straitd", .signalled(SIGSEGV)))
        #expect(WorkloadWatch.cause(daemon: "straitd", status: .exited(1), vmActive: false) == .daemon("straitd", .exited(1)))
        // A share without a daemon of its own (9p, native): only the VM can go.
        #expect(WorkloadWatch.cause(daemon: nil, status: nil, vmActive: true) == nil)
        #expect(WorkloadWatch.cause(daemon: nil, status: nil, vmActive: false) == .vm(daemon: nil))
    }

    @Test func theReasonNamesTheDaemonHowItEndedTheWorkloadAndWhen() {
        let killed = WorkloadWatch.blame(.daemon("straitd", .signalled(SIGKILL)), what: "randread-psync #1", seconds: 5.04)
        #expect(!killed.infrastructure)
        #expect(killed.reason == "straitd killed by signal 9 (SIGKILL) 5.0 s into randread-psync #1 (the VM was torn down)")
        // A crash that wrote a core says so: the core is evidence to fetch before the host cleans up.
        let crashed = WorkloadWatch.blame(.daemon("straitd", .signalled(SIGSEGV, coreDumped: true)), what: "tar #1", seconds: 2.0)
        #expect(crashed.reason == "straitd killed by signal 11 (SIGSEGV), core dumped 2.0 s into tar #1 (the VM was torn down)")
        // A seccomp kill the kernel logged for the daemon's tree is named right after how it ended.
        let seccomp = "its seccomp filter killed thread 'pool' (pid 4710) on sched_getaffinity (x86_64 syscall 204) [kernel audit]"
        let filtered = WorkloadWatch.blame(.daemon("virtiofsd-c", .exited(1)), what: "randread-libaio-multi #1", seconds: 3.0, seccomp: seccomp)
        #expect(filtered.reason == "virtiofsd-c exited with status 1: \(seccomp) 3.0 s into randread-libaio-multi #1 (the VM was torn down)")
        #expect(!filtered.infrastructure)
        let vm = WorkloadWatch.blame(.vm(daemon: "virtiofsd-c"), what: "tar #2", seconds: 12.34)
        #expect(vm.infrastructure)
        #expect(vm.reason == "VM infrastructure, not this daemon: the VM stopped 12.3 s into tar #2 while virtiofsd-c was running")
        // The VM's other shares fail for the machine either way: incomparable, never blocking.
        #expect(WorkloadWatch.bystander(killed, cell: "straitd-auto-inline").infrastructure)
        #expect(WorkloadWatch.bystander(killed, cell: "straitd-auto-inline").reason.contains("another share's daemon died under straitd-auto-inline"))
        #expect(WorkloadWatch.bystander(vm, cell: "c").reason.contains("the VM stopped under c"))
    }

    @Test func aFailedCellsUnmeasuredWorkloadsReadNotRunMeasuredOnesKeepTheirNumbers() {
        let cell = Cell(backend: .straitd, cache: "auto")
        let slot = ShareSlot(variant: Variant(name: "run", binaries: DaemonBinaries(straitd: "/bin/true")), cell: cell, key: "s0")
        let workloads: [Workload] = [.fio(FioJob(pattern: .randread, engine: .psync)), .fio(FioJob(pattern: .seqwrite, engine: .psync)),
                                     .fio(FioJob(pattern: .randread, engine: .mmap))]
        let state = SlotState(slot: slot, hostDir: "/nonexistent", workloads: workloads)
        let names = state.workloads.map(\.workload)
        // Passing: nothing is marked (a cell still running, or one that passed).
        #expect(state.result.workloads.allSatisfy { $0.verdict == nil })
        state.record(names[0]) { $0.repetitions.append(Repetition(index: 0, tarSeconds: 1)) }
        state.record(names[2]) { $0.verdict = .unsupported("mmap: ENODEV") }
        state.fail(WorkloadWatch.blame(.daemon("straitd", .signalled(SIGKILL)), what: "\(names[1]) #1", seconds: 5))
        let recorded = state.result.workloads
        #expect(recorded[0].verdict == nil && recorded[0].repetitions.count == 1, "measured before the death: kept")
        #expect(recorded[1].verdict?.label == "not-run")
        #expect(recorded[1].verdict?.reason?.contains("straitd killed by signal 9 (SIGKILL)") == true)
        #expect(recorded[2].verdict == .unsupported("mmap: ENODEV"))
        #expect(state.result.verdict.label == "fail" && state.result.infrastructure == nil)
    }

    @Test func notRunRoundTripsThroughTheDocument() throws {
        let verdict = Verdict.notRun("the cell failed first: x")
        let data = try JSONEncoder().encode(WorkloadResult(workload: "w", verdict: verdict))
        #expect(try JSONDecoder().decode(WorkloadResult.self, from: data).verdict == verdict)
        #expect(try Verdict(label: "not-run", reason: "y") == .notRun("y"))
    }
}

/// A share evicted from a VM torn down under another share goes on in a fresh VM.
struct EvictionTests {
    @Test func aMovedShareKeepsWhatItMeasuredAndMountsAgain() {
        let cell = Cell(backend: .straitd, cache: "none")
        let slot = ShareSlot(variant: Variant(name: "run", binaries: DaemonBinaries(straitd: "/bin/true")), cell: cell, key: "s1")
        let state = SlotState(slot: slot, hostDir: "/nonexistent", workloads: [.fio(FioJob(pattern: .randread, engine: .psync))])
        state.prepared = true
        state.mountLine = "s1 on /mnt/fs1 type virtiofs (rw)"
        state.record(state.workloads[0].workload) { $0.repetitions.append(Repetition(index: 0, tarSeconds: 1)) }
        state.evicted = "VM infrastructure, not this daemon: another share's daemon died under straitd-auto-inline (x)"
        #expect(state.active, "evicted is not failed: its steps go on elsewhere")
        state.moveToNewVM()
        #expect(state.evicted == nil && !state.prepared && state.mountLine.isEmpty && state.daemon == nil)
        #expect(state.workloads[0].repetitions.count == 1)
        #expect(state.result.verdict == .pass)
    }
}
