import DaemonLaunch
import FUSE
import Glibc
import Posix
import VhostUserDriver

/// One round of one daemon: start it on the dataset, connect, INIT, run the workload, tear down.
/// A daemon that does not start, dies or stalls is an error naming it with its last log lines.
struct DaemonRound {
    let daemon: DaemonCommandLine
    let dataset: Dataset
    let params: RunParameters
    let round: Int
    let memoryMiB: UInt64

    func run() throws -> RoundResult {
        let tag = "\(daemon.name)-\(params.workload.rawValue)-qd\(params.queueDepth)-r\(round)"
        let socket = dataset.root + "/\(round % 2)-\(params.queueDepth).sock"
        unlink(socket)
        let process = try Subprocess(name: daemon.name, arguments: daemon.expanded(socket: socket, dir: dataset.shared),
                                     logPath: (params.logDirectory ?? dataset.root) + "/\(tag).log")
        ProcessGuard.add(process.pid)
        defer {
            // A counted run lets the daemon leave on its own after the frontend hangs up, so
            // valgrind writes its totals (a SIGKILL would lose them).
            if params.requests != nil { _ = process.waitForExit(timeout: 30) }
            process.stop()
            ProcessGuard.remove(process.pid)
            unlink(socket)
        }
        var config = FrontendConfiguration()
        config.memory = GuestMemoryLayout(size: memoryMiB << 20, regionCount: 2)
        config.requestQueues = params.requestQueues
        config.queueSize = min(1024, max(128, nextPowerOfTwo(params.queueDepth * 4)))
        config.pollUsedRings = params.poll
        if params.linuxGuest { config.driverStyle = .linux }
        // A counted run's daemon starts under valgrind (~50x slower): on a loaded machine (load
        // average 12 on 2 cores, measured) it was not listening after 15 s, which failed the
        // cell and would block a gate for the machine's load, not the daemon.
        let counted = params.requests != nil
        config.connectTimeout = counted ? 120 : 15
        // The window is the daemon's size (GET_SHMEM_CONFIG); accept any a VMM would.
        if params.workload == .daxRead4k { config.daxWindowSize = 64 << 30 }
        let client: FuseClient
        let initOut: FuseInitOut
        do {
            let frontend = try VhostUserFrontend(socketPath: socket, configuration: config, alive: { process.isAlive })
            client = try FuseClient(frontend: frontend)
            client.callTimeout = counted ? 60 : 20
            initOut = try client.initialize()
            // A sandbox has forked by now: its child's pid is what a seccomp kill record names.
            process.tree()
        } catch {
            throw process.failure("failed to start or set up (\(error))")
        }
        defer { client.close() }
        if params.probeAnswers {
            var r = RoundResult(ops: 0, seconds: 0, bytes: 0, latency: RoundResult.emptyHistogram(), cpuSeconds: 0, peakRSSKiB: 0)
            do { r.answers = try AnswerProbe(client: client, initOut: initOut).run() } catch {
                throw process.alive("failed answering: \(error)")
            }
            return r
        }
        if round == 1, params.workload.blockSize > 32 * 4096 {
            progress("[\(params.workload.rawValue) qd\(params.queueDepth)] \(daemon.name): " + Self.bigRequestNote(initOut, blockSize: params.workload.blockSize))
        }
        let load = FuseLoad(client: client, params: params, sharedRoot: dataset.shared)
        defer { load.removeScratch() }
        if params.linuxGuest {
            let model = GuestModel.linux(workload: params.workload, queueDepth: params.queueDepth, reply: initOut)
            load.depth = model.depth
            if let note = model.note, round == 1 { progress("[\(params.workload.rawValue) qd\(params.queueDepth)] \(daemon.name): \(note)") }
        }
        do { try load.prepare() } catch let u as Unsupported { throw u } catch {
            throw process.alive("failed preparing \(params.workload.rawValue): \(error)")
        }
        let t0 = monotonicNanoseconds()
        // A counted run (`requests`) measures from the first operation and ends when the last
        // of its N operations is answered, however long that takes under valgrind.
        let measureFrom = params.requests == nil ? t0 + UInt64(params.warmup * 1e9) : t0
        let deadline = params.requests == nil ? measureFrom + UInt64(params.seconds * 1e9) : UInt64.max
        let recorder = LoadRecorder(measureFrom: measureFrom, deadline: deadline, limit: params.requests ?? load.operationLimit)
        load.start(recorder)
        try watch(process, recorder, until: measureFrom)
        let before = process.usage()
        let signalsBefore = notifications(client)
        if params.requests == nil { try watch(process, recorder, until: deadline) }
        var signalsAfter = notifications(client)
        // Lanes finish what they have in flight; a daemon that stops answering is an error.
        let drainLimit = monotonicNanoseconds() + (params.requests == nil ? 20 : 600) * 1_000_000_000
        while recorder.active > 0 {
            if let e = recorder.error { throw process.alive("failed during \(params.workload.rawValue): \(e)") }
            guard process.isAlive else { throw process.failure("died during \(params.workload.rawValue)") }
            guard monotonicNanoseconds() < drainLimit else {
                throw process.failure("stopped answering during \(params.workload.rawValue) (\(recorder.active) lanes stuck)")
            }
            usleep(1000)
        }
        let after = process.usage()
        // A counted run measures from its first operation to its last: count the signals over all.
        if params.requests != nil { signalsAfter = notifications(client) }
        if let e = recorder.error { throw process.alive("failed during \(params.workload.rawValue): \(e)") }
        let s = recorder.snapshot
        let seconds = Double(max(s.lastCompletion, measureFrom) - measureFrom) / 1e9
        if s.ops > 0 {
            let ops = Double(s.ops)
            let kicks = Double(signalsAfter.kicks - signalsBefore.kicks) / ops
            let suppressed = Double(signalsAfter.suppressed - signalsBefore.suppressed) / ops
            let interrupts = Double(signalsAfter.interrupts - signalsBefore.interrupts) / ops
            let tag = "[\(params.workload.rawValue) qd\(params.queueDepth)] \(daemon.name) round \(round)"
            progress(tag + ": per operation \(Report.fmt(kicks, 2)) kicks, \(Report.fmt(suppressed, 2)) suppressed, \(Report.fmt(interrupts, 2)) interrupts")
        }
        return RoundResult(ops: s.ops, seconds: seconds, bytes: s.bytes, latency: s.histogram,
                           cpuSeconds: max(after.cpuSeconds - before.cpuSeconds, 0),
                           peakRSSKiB: after.peakRSSKiB)
    }

    /// What a request larger than FUSE's old 32-page limit needs from INIT: the driver asks
    /// FUSE_MAX_PAGES (as a Linux guest does), the daemon must agree it and answer max_pages and
    /// max_write large enough, else a guest splits the request (or, for max_write, the write).
    static func bigRequestNote(_ reply: FuseInitOut, blockSize: Int) -> String {
        let agreed = FuseInitFlags(low: reply.flags, high: reply.flags2).contains(.maxPages)
        let pages = agreed ? Int(reply.maxPages) : 32
        let fits = pages * 4096 >= blockSize && Int(reply.maxWrite) >= blockSize
        return "INIT: asked FUSE_MAX_PAGES; answered \(agreed ? "MAX_PAGES agreed" : "MAX_PAGES not agreed"), "
            + "max_pages \(reply.maxPages), max_write \(reply.maxWrite): "
            + (fits ? "a \(blockSize >> 10) KiB request fits in one" : "a guest splits a \(blockSize >> 10) KiB request")
    }

    /// Kicks sent and suppressed, and interrupts taken, over the request queues so far.
    private func notifications(_ client: FuseClient) -> (kicks: Int, suppressed: Int, interrupts: Int) {
        client.frontend.queues.dropFirst().reduce((0, 0, 0)) { sum, q in
            let k = q.kickCounts
            return (sum.0 + k.kicks, sum.1 + k.suppressed, sum.2 + q.interruptCount)
        }
    }

    private func watch(_ process: Subprocess, _ recorder: LoadRecorder, until: UInt64) throws {
        while monotonicNanoseconds() < until {
            if let e = recorder.error { throw process.alive("failed during \(params.workload.rawValue): \(e)") }
            guard process.isAlive else { throw process.failure("died during \(params.workload.rawValue)") }
            let left = Double(until &- monotonicNanoseconds()) / 1e9
            usleep(UInt32(max(min(left, 0.05), 0.001) * 1e6))
        }
    }
}

func nextPowerOfTwo(_ n: Int) -> Int {
    var p = 1
    while p < n { p <<= 1 }
    return p
}

extension Subprocess {
    /// An error naming the daemon (alive or not) with its last log lines.
    func alive(_ what: String) -> DriverError { failure(what) }
}
