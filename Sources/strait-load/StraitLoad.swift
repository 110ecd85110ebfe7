import ArgumentParser
import DaemonLaunch
import Glibc
import Posix
import VhostUserDriver

/// strait-load: drives vhost-user-fs daemons at host speed (no VM), interleaving daemons round
/// by round, and reports throughput, latency percentiles, daemon CPU and RSS, and ratios.
@main
struct StraitLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strait-load",
        abstract: "Benchmark vhost-user-fs daemons through an in-process virtio-fs frontend.",
        discussion: """
        COMMAND is the daemon's command line with {socket} and {dir} placeholders, e.g.
          --daemon 'c=/opt/virtiofs-peers/c/usr/lib/qemu/virtiofsd --socket-path={socket} -o source={dir},cache=auto'
        The name 'host' alone (--daemon host) is the pseudo-daemon doing plain preadv/pwritev on the host.
        Workloads: \(Workload.allCases.map(\.rawValue).joined(separator: ", ")).
        """)

    @Option(name: .customLong("daemon"), help: "NAME=COMMAND (repeatable), or 'host'.")
    var daemons: [String] = []

    @Option(name: .customLong("workload"), help: "Workload (repeatable, or comma-separated).")
    var workloads: [String] = []

    @Option(name: .customLong("qd"), help: "Operations in flight (repeatable).")
    var queueDepths: [Int] = [1]

    @Option(help: "Measured seconds per round.")
    var seconds: Double = 5

    @Option(help: "Guest CPUs submitting: lanes spread over them, each CPU sends on its request queue as Linux 6.11+ maps CPUs to queues (threads on the host pseudo-daemon follow --qd).")
    var threads: Int = 1

    @Option(name: .customLong("request-queues"), help: "Request queues configured (default: --threads; clamped to what each daemon offers).")
    var requestQueues: Int?

    @Option(help: "Rounds per daemon (interleaved A B A B ...; at least 5).")
    var rounds: Int = 5

    @Option(help: "Warm-up seconds per round, not measured.")
    var warmup: Double = 0.3

    @Option(name: .customLong("file-mib"), help: "Size of the data file in MiB.")
    var fileMiB: UInt64 = 64

    @Option(name: .customLong("memory-mib"), help: "Guest memory in MiB.")
    var memoryMiB: UInt64 = 256

    @Flag(help: "Poll the used rings instead of waiting on call eventfds.")
    var poll = false

    @Option(help: "Guest driver model: 'simple' (each request kicks on its own, every lane at --qd) or 'linux' (refills batched with one kick as the Linux virtio driver does, and only as many requests in flight as a Linux guest's FUSE layer allows with what the daemon agreed at INIT: without FUSE_ASYNC_DIO, O_DIRECT I/O runs one at a time).")
    var guest: String = "simple"

    @Flag(help: "Print one JSON object on stdout instead of the table.")
    var json = false

    @Flag(help: "Print markdown tables instead (docs/benchmarks.md's): throughput with CPU per operation beside it, the first daemon against the best of the others and each of them, then latency and peak RSS.")
    var markdown = false

    @Option(help: "Seed for random offsets (and for --fuzz).")
    var seed: UInt64 = 1

    @Option(help: "Fuzz mode instead of a benchmark: N hostile descriptor chains and N/3 malformed vhost-user messages per daemon.")
    var fuzz: Int?

    @Flag(help: "Hostile-guest mode instead of a benchmark: the hardening suite's vectors (device nodes, FIFOs, '..', symlinks out, bad names, stale ids, huge offsets, trusted.* xattrs, mapping offsets) against each daemon; any finding exits 1.")
    var hostile = false

    @Flag(help: "Instead of a benchmark: ask each daemon, fresh, what decides a Linux guest's requests per file (INIT flags and limits, entry/attr timeouts, negative lookups, FOPEN flags, READDIRPLUS, SYNCFS) and print the answers side by side (markdown).")
    var answers = false

    @Flag(help: "With --fuzz: tolerated oddities (a looping chain followed) count as findings.")
    var strict = false

    @Option(help: "Count the daemon's instructions per operation instead of timing it: each round runs the daemon under valgrind (cachegrind) for N and N/5 operations and reports the difference per operation. Rounds may then be as few as 2.")
    var instructions: UInt64?

    @Option(help: "Count the daemon's system calls per operation instead of timing it: each round runs the daemon under strace -f -c for N and N/5 operations and reports the difference per operation (in the instr/op column), and on stderr the calls by name. Works on sandboxed daemons (the C virtiofsd too). Rounds may then be as few as 2.")
    var syscalls: UInt64?

    @Flag(name: .customLong("cache-sim"), help: "With --instructions: cachegrind also simulates the caches (about twice the time); D1 and LL misses per operation are reported beside the instructions (JSON round_d1_misses_per_op, round_ll_misses_per_op), not judged.")
    var cacheSim = false

    @Option(name: .customLong("daemon-logs"), help: "Keep each round's daemon log in this directory (NAME-WORKLOAD-qdN-rR.log) instead of the temporary dataset, e.g. for straitd's per-queue polling and auto-switch lines.")
    var daemonLogs: String?

    @Flag(help: "Balanced interleaving: the daemon order reverses every round (A B, B A, A B, ...), so neither side always runs first.")
    var abba = false

    func validate() throws {
        guard !daemons.isEmpty else { throw ValidationError("give at least one --daemon NAME=COMMAND") }
        guard !workloads.isEmpty || fuzz != nil || hostile || answers else { throw ValidationError("give at least one --workload") }
        if let fuzz, fuzz < 1 { throw ValidationError("--fuzz needs a positive number of cases") }
        for w in parsedWorkloads where Workload(rawValue: w) == nil {
            throw ValidationError("unknown workload '\(w)'; one of \(Workload.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard queueDepths.allSatisfy({ (1...256).contains($0) }) else { throw ValidationError("--qd must be 1...256") }
        guard rounds >= (instructions == nil && syscalls == nil ? 5 : 2) else { throw ValidationError("--rounds must be at least 5 (2 with --instructions or --syscalls)") }
        if let n = instructions ?? syscalls, n < 10 { throw ValidationError("--instructions and --syscalls need at least 10 operations") }
        guard instructions == nil || syscalls == nil else { throw ValidationError("give --instructions or --syscalls, not both") }
        guard seconds > 0, warmup >= 0 else { throw ValidationError("--seconds must be positive") }
        guard guest == "simple" || guest == "linux" else { throw ValidationError("--guest must be simple or linux") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard (requestQueues ?? 1) >= 1 else { throw ValidationError("--request-queues must be at least 1") }
        guard fileMiB >= 4, fileMiB % 2 == 0 else { throw ValidationError("--file-mib must be even and at least 4") }
        var names = Set<String>()
        for d in daemons {
            let c: DaemonCommandLine
            do { c = try DaemonCommandLine(spec: d) } catch { throw ValidationError(error.description) }
            guard names.insert(c.name).inserted else { throw ValidationError("daemon name '\(c.name)' given twice") }
        }
    }

    var parsedWorkloads: [String] { workloads.flatMap { $0.split(separator: ",").map(String.init) } }

    func run() throws {
        ProcessGuard.install()
        let commands = try daemons.map { try DaemonCommandLine(spec: $0) }
        let dataset = try Dataset(fileSize: fileMiB << 20)
        defer { dataset.remove() }
        if hostile {
            guard Hostile(commands: commands.filter { !$0.isHost }, json: json).run() else { throw ExitCode(1) }
            return
        }
        if answers {
            var table: [(daemon: String, rows: [(String, String)])] = []
            for c in commands where !c.isHost {
                var params = RunParameters(workload: .getattr, queueDepth: 1, seconds: 1, warmup: 0, requestQueues: 1,
                                           fileSize: fileMiB << 20, poll: poll, seed: seed, logDirectory: daemonLogs)
                params.probeAnswers = true
                progress("[answers] \(c.name) ...")
                let r = try DaemonRound(daemon: c, dataset: dataset, params: params, round: 1, memoryMiB: memoryMiB).run()
                table.append((c.name, r.answers))
                // The next daemon starts on the same share: take the probe's files away.
                _ = try? Subprocess.run(["rm", "-rf", dataset.shared + "/answers-dir"], timeout: 30)
            }
            print(AnswerProbe.markdown(table))
            return
        }
        if let fuzz {
            guard try Fuzz(commands: commands.filter { !$0.isHost }, dataset: dataset, cases: fuzz, seed: seed, strict: strict, json: json).run() else {
                throw ExitCode(1)
            }
            return
        }
        var summaries: [Summary] = []
        var failure: Error?
        outer: for w in parsedWorkloads.compactMap(Workload.init(rawValue:)) {
            for qd in queueDepths {
                let params = RunParameters(workload: w, queueDepth: qd, seconds: seconds, warmup: warmup,
                                           requestQueues: requestQueues ?? threads, cpus: threads, fileSize: fileMiB << 20,
                                           poll: poll, seed: seed, linuxGuest: guest == "linux", logDirectory: daemonLogs)
                var results: [String: [RoundResult]] = [:]
                var unsupported = Set<String>()
                for round in 1...rounds {
                    let order = abba && round % 2 == 0 ? commands.reversed() : commands
                    for c in order where !unsupported.contains(c.name) {
                        progress("[\(w.rawValue) qd\(qd)] round \(round)/\(rounds): \(c.name) ...")
                        do {
                            let r: RoundResult
                            if c.isHost {
                                r = try HostLoad(dataset: dataset, params: params).run()
                            } else if let counted = instructions ?? syscalls {
                                r = try InstructionRound(daemon: c, dataset: dataset, params: params, round: round,
                                                         memoryMiB: memoryMiB, requests: counted, cacheSim: cacheSim,
                                                         syscalls: syscalls != nil).run()
                            } else {
                                r = try DaemonRound(daemon: c, dataset: dataset, params: params, round: round, memoryMiB: memoryMiB).run()
                            }
                            results[c.name, default: []].append(r)
                            progress("[\(w.rawValue) qd\(qd)] round \(round)/\(rounds): \(c.name) \(Report.fmt(r.opsPerSecond, 0)) ops/s, \(Report.fmt(r.mibPerSecond, 1)) MiB/s")
                        } catch let u as Unsupported {
                            progress("[\(w.rawValue) qd\(qd)] \(c.name) does not support \(w.rawValue): \(u.description); skipped")
                            unsupported.insert(c.name)
                        } catch {
                            failure = error
                            break outer
                        }
                    }
                }
                for c in commands { if let r = results[c.name] { summaries.append(Summary(daemon: c.name, workload: w, queueDepth: qd, rounds: r)) } }
            }
        }
        if let failure {
            progress("strait-load: \(failure)")
            throw ExitCode(1)
        }
        let ratios = Report.ratios(summaries)
        print(json ? Report.json(summaries, ratios)
              : markdown ? Report.markdown(summaries, ratios) : Report.table(summaries, ratios))
    }

}
