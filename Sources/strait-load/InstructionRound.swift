import DaemonLaunch
import Glibc
import Posix
import VhostUserDriver

/// `--instructions N`: the daemon's instructions per operation, counted by valgrind's cachegrind
/// (this machine has no hardware PMU; valgrind counts the same on every run). Each round runs the
/// daemon under cachegrind twice, for N and N/5 operations of the workload; the report takes
/// (I(N) - min over rounds of I(N/5)) / (N - N/5): startup, INIT, the workload's lookups and opens
/// and the teardown cancel out, what remains is the request path (`Summary.instructionsPerOp`).
struct InstructionRound {
    let daemon: DaemonCommandLine
    let dataset: Dataset
    let params: RunParameters
    let round: Int
    let memoryMiB: UInt64
    let requests: UInt64
    /// `--cache-sim`: cachegrind also simulates the caches (about twice the time) and the round
    /// reports misses per operation beside the instructions.
    var cacheSim = false
    /// `--syscalls N`: count the daemon's system calls (strace -f -c, every process and thread)
    /// instead of its instructions; the same N and N/5 difference. Works on daemons in their
    /// sandbox too (strace writes its summary itself, outside the daemon's root), so the C
    /// virtiofsd, which valgrind cannot count, is counted here.
    var syscalls = false

    /// Pause between a completion and the lane's next request in counted runs (`RunParameters`).
    static let pace: UInt32 = 2000

    /// valgrind: `STRAIT_VALGRIND` when set, else the one in PATH.
    static var valgrind: String? {
        if let v = getenv("STRAIT_VALGRIND") { return String(cString: v) }
        return Subprocess.which("valgrind")
    }

    func run() throws -> RoundResult {
        let small = max(requests / 5, UInt64(params.queueDepth))
        guard requests > small else { throw DriverError(.daemon, "--instructions must exceed 5 x --qd") }
        let few = try count(small, tag: "few")
        let many = try count(requests, tag: "many")
        var result = many.round
        result.counted = RoundResult.Counted(few: few.instructions, many: many.instructions, fewOps: small, manyOps: requests,
                                             fewMisses: few.misses, manyMisses: many.misses)
        let perOp = (Double(many.instructions) - Double(few.instructions)) / Double(requests - small)
        let what = syscalls ? "system calls" : "instructions"
        var line = "[\(params.workload.rawValue) qd\(params.queueDepth)] \(daemon.name) round \(round): \(few.instructions) \(what) for \(small) operations, \(many.instructions) for \(requests): \(Report.fmt(perOp, 1)) per operation"
        if syscalls {
            // Which calls: the per-name difference, the part scripts/bench-host-speed.sh tabulates.
            let span = Double(requests - small)
            let names = Set(few.byName.keys).union(many.byName.keys).sorted()
            let parts = names.compactMap { n -> String? in
                let d = (Double(many.byName[n] ?? 0) - Double(few.byName[n] ?? 0)) / span
                return abs(d) < 0.005 ? nil : "\(n) \(Report.fmt(d, 2))"
            }
            line += "; system calls per operation by name: " + parts.joined(separator: ", ")
        }
        if let f = few.misses, let m = many.misses {
            let span = Double(requests - small)
            line += "; D1 misses \(Report.fmt((Double(m.d1) - Double(f.d1)) / span, 2)), LL misses \(Report.fmt((Double(m.ll) - Double(f.ll)) / span, 2)) per operation"
        }
        progress(line)
        return result
    }

    private func count(_ n: UInt64, tag: String) throws -> (instructions: UInt64, misses: RoundResult.CacheMisses?, byName: [String: UInt64], round: RoundResult) {
        if syscalls { return try countSyscalls(n, tag: tag) }
        guard let valgrind = Self.valgrind else { throw DriverError(.daemon, "--instructions needs valgrind (scripts/host-setup.sh installs it)") }
        let out = dataset.root + "/cg-\(daemon.name)-\(params.workload.rawValue)-qd\(params.queueDepth)-r\(round)-\(tag).out"
        unlink(out)
        let wrapped = DaemonCommandLine(
            name: daemon.name,
            arguments: [valgrind, "--tool=cachegrind", "--cache-sim=\(cacheSim ? "yes" : "no")", "--vgdb=no", "--cachegrind-out-file=" + out]
                + [try strippedExecutable()] + daemon.arguments.dropFirst())
        var p = params
        p.requests = n
        p.paceMicroseconds = Self.pace
        let r = try DaemonRound(daemon: wrapped, dataset: dataset, params: p, round: round, memoryMiB: memoryMiB).run()
        guard r.ops == n else { throw DriverError(.daemon, "\(daemon.name): counted run did \(r.ops) operations, not \(n)") }
        guard let events = Self.summary(path: out), let instructions = events["Ir"] else {
            throw DriverError(.daemon, "\(daemon.name): no cachegrind summary in \(out) (did the daemon exit cleanly?)")
        }
        var misses: RoundResult.CacheMisses?
        if cacheSim, let d1r = events["D1mr"], let d1w = events["D1mw"], let ilr = events["ILmr"], let dlr = events["DLmr"], let dlw = events["DLmw"] {
            misses = RoundResult.CacheMisses(d1: d1r + d1w, ll: ilr + dlr + dlw)
        }
        return (instructions, misses, [:], r)
    }

    /// strace -f -c over the daemon's whole life for `n` paced operations: total calls and calls by name.
    private func countSyscalls(_ n: UInt64, tag: String) throws -> (instructions: UInt64, misses: RoundResult.CacheMisses?, byName: [String: UInt64], round: RoundResult) {
        guard let strace = Subprocess.which("strace") else { throw DriverError(.daemon, "--syscalls needs strace (scripts/host-setup.sh installs it)") }
        let out = dataset.root + "/st-\(daemon.name)-\(params.workload.rawValue)-qd\(params.queueDepth)-r\(round)-\(tag).out"
        unlink(out)
        let wrapped = DaemonCommandLine(name: daemon.name, arguments: [strace, "-f", "-c", "-o", out] + daemon.arguments)
        var p = params
        p.requests = n
        p.paceMicroseconds = Self.pace
        let r = try DaemonRound(daemon: wrapped, dataset: dataset, params: p, round: round, memoryMiB: memoryMiB).run()
        guard r.ops == n else { throw DriverError(.daemon, "\(daemon.name): counted run did \(r.ops) operations, not \(n)") }
        guard let bytes = readWholeFile(out), let calls = Self.straceSummary(String(decoding: bytes, as: UTF8.self)),
              let total = calls["total"] else {
            throw DriverError(.daemon, "\(daemon.name): no strace summary in \(out) (did the daemon exit cleanly?)")
        }
        var byName = calls
        byName["total"] = nil
        return (total, nil, byName, r)
    }

    /// `strace -c`'s table: calls by system call name, and "total".
    /// `% time  seconds  usecs/call  calls  [errors]  syscall`, between dashed rules.
    static func straceSummary(_ text: String) -> [String: UInt64]? {
        var out: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count == 5 || f.count == 6, Double(f[0]) != nil, let calls = UInt64(f[3]) else { continue }
            out[String(f[f.count - 1]), default: 0] += calls
        }
        return out["total"] == nil ? nil : out
    }

    /// The daemon's executable without its debug sections: bookworm's valgrind 3.19 cannot read
    /// the DWARF Swift 6 writes ("Possibly corrupted debuginfo file ... Giving up"). The code is
    /// the same bytes, so the count is the binary's.
    private func strippedExecutable() throws -> String {
        guard let exe = daemon.executable else { throw DriverError(.daemon, "\(daemon.name): no executable") }
        let copy = dataset.root + "/\(daemon.name).stripped"
        if access(copy, X_OK) == 0 { return copy }
        let r = try Subprocess.run(["objcopy", "--strip-debug", exe, copy], timeout: 120)
        guard r.succeeded else { throw DriverError(.daemon, "\(daemon.name): objcopy --strip-debug \(exe) failed: \(r.output)") }
        return copy
    }

    /// The `summary:` line of a cachegrind output file, by the names its `events:` line gives
    /// (Ir alone without cache simulation; Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw with it).
    static func summary(path: String) -> [String: UInt64]? {
        guard let bytes = readWholeFile(path) else { return nil }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        guard let events = lines.first(where: { $0.hasPrefix("events:") })?.split(separator: " ").dropFirst(),
              let counts = lines.first(where: { $0.hasPrefix("summary:") })?.split(separator: " ").dropFirst() else { return nil }
        var out: [String: UInt64] = [:]
        for (name, count) in zip(events, counts) { out[String(name)] = UInt64(count) }
        return out
    }
}
