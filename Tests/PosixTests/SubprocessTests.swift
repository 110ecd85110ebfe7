import Glibc
import Posix
import Testing

struct SubprocessTests {
    @Test func runCapturesOutputAndStatusAndFeedsInput() throws {
        let done = try Subprocess.run(["sh", "-c", "cat; echo err >&2; exit 4"], input: Array("in\n".utf8), timeout: 20)
        #expect(done.status == .exited(4))
        #expect(done.code == 4)
        #expect(!done.succeeded)
        #expect(done.output == "in\nerr\n")
        #expect(try Subprocess.run(["true"], timeout: 20).succeeded)
    }

    @Test func environmentOverridesAreSeen() throws {
        let done = try Subprocess.run(["sh", "-c", "printf %s \"$STRAIT_X\""], environment: ["STRAIT_X": "y z"], timeout: 20)
        #expect(done.output == "y z")
    }

    @Test func deadlineStopsTheWholeTree() throws {
        let marker = "strait-posix-tree-\(getpid())"
        let t0 = monotonicSeconds()
        // The shell's child ignores SIGTERM and would outlive a kill of the pid alone.
        let done = try Subprocess.run(["sh", "-c", "(trap '' TERM; exec sleep 30 \(marker)) & sleep 30"], timeout: 0.5)
        #expect(done.timedOut)
        #expect(monotonicSeconds() - t0 < 10)
        sleep(seconds: 0.2)
        let left = try Subprocess.run(["pgrep", "-f", marker], timeout: 10)
        #expect(left.output.isEmpty, "left behind: \(left.output)")
    }

    @Test func abortStopsTheCommandEarlyAndSaysSo() throws {
        // The runner's watch: asked while the command runs; once it says stop, the command ends
        // within the 2 s grace, not at its timeout.
        let t0 = monotonicSeconds()
        var asked = 0
        let done = try Subprocess.run(["sh", "-c", "echo going; sleep 60"], timeout: 120, abort: {
            asked += 1
            return monotonicSeconds() - t0 > 0.6
        })
        let took = monotonicSeconds() - t0
        #expect(done.aborted && !done.timedOut && !done.succeeded)
        #expect(done.output == "going\n")
        #expect(took < 5, "took \(took) s")
        #expect(asked >= 2 && asked < 20, "asked \(asked) times in \(took) s (every 0.25 s)")
        let quiet = try Subprocess.run(["true"], timeout: 20, abort: { false })
        #expect(quiet.succeeded && !quiet.aborted)
    }

    @Test func signalsAreNamed() {
        #expect(Subprocess.ExitStatus.signalled(SIGKILL).description == "killed by signal 9 (SIGKILL)")
        #expect(Subprocess.ExitStatus.signalled(SIGSEGV).description == "killed by signal 11 (SIGSEGV)")
        #expect(Subprocess.ExitStatus.signalled(63).description == "killed by signal 63")
    }

    @Test func missingProgramIsNotFound() {
        #expect(throws: SubprocessError.self) { try Subprocess.run(["strait-no-such-tool"], timeout: 5) }
        #expect(Subprocess.which("sh") != nil)
    }

    @Test func stopEndsWithStatusAndIsIdempotent() throws {
        let log = "/tmp/strait-posix-\(getpid()).log"
        defer { unlink(log) }
        let p = try Subprocess(arguments: ["sh", "-c", "echo started; exec sleep 30"], logPath: log, header: "# header\n")
        #expect(p.isAlive)
        sleep(seconds: 0.2)
        #expect(p.stop(grace: 5) == .signalled(SIGTERM))
        #expect(p.stop() == .signalled(SIGTERM))
        #expect(!p.isAlive)
        #expect(p.lastLogLines() == ["# header", "started"])
        let stubborn = try Subprocess(arguments: ["sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"])
        sleep(seconds: 0.2)
        #expect(stubborn.stop(grace: 0.3) == .killed)
    }

    @Test func exitedProcessIsReapedByPid() throws {
        let p = try Subprocess(arguments: ["sh", "-c", "exit 7"])
        #expect(p.waitForExit(timeout: 10))
        #expect(p.exitCode == 7)
        #expect(p.exitDescription == "exited with status 7")
    }
}

struct PrimitivesTests {
    @Test func splitMixIsTheReferenceSequence() {
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
        var a = SplitMix64(seed: 9)
        #expect(a.below(0) == 0 as UInt64)
        #expect(a.below(10) < 10)
    }

    @Test func threadsJoinAndSemaphoresCount() throws {
        let s = Semaphore()
        let t = JoinableThread(name: "test") { s.signal() }
        try t.start()
        t.join()
        t.join()
        #expect(s.wait(timeout: 5))
        #expect(!s.wait(timeout: 0.01))
        #expect(PosixThread.start(name: "detached") { s.signal() })
        #expect(s.wait(timeout: 5))
    }

    @Test func freePortIsAboveTheReservedRange() throws {
        #expect(try FreePort.loopback() > 1024)
    }
}
