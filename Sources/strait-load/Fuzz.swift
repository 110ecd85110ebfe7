import DaemonLaunch
import VhostUserDriver
import VhostUserFuzz

/// `--fuzz N`: seeded hostile chains and vhost-user messages against each daemon; prints how
/// many cases ran and what was found. Returns false if any daemon crashed or misbehaved.
struct Fuzz {
    let commands: [DaemonCommandLine]
    let dataset: Dataset
    let cases: Int
    let seed: UInt64
    let strict: Bool
    let json: Bool

    func run() throws -> Bool {
        var clean = true
        var rows: [String] = []
        for c in commands {
            let target = ProcessFuzzTarget(command: c, sharedDirectory: dataset.shared, workDirectory: dataset.root)
            target.onStart = { previous, current in
                if let previous { ProcessGuard.remove(previous) }
                ProcessGuard.add(current)
            }
            defer {
                target.stop()
                if let pid = target.currentPID { ProcessGuard.remove(pid) }
            }
            progress("[fuzz] \(c.name): \(cases) descriptor-chain cases ...")
            let fuzzer = ChainFuzzer(target: target, seed: seed)
            fuzzer.strict = strict
            let chains = try fuzzer.run(cases: cases)
            progress("[fuzz] \(c.name): \(max(cases / 3, 1)) vhost-user message cases ...")
            let messages = try MessageFuzzer(target: target, seed: seed).run(cases: max(cases / 3, 1))
            let findings = chains.findings + messages.findings
            if !findings.isEmpty { clean = false }
            if json {
                let f = findings.map(Report.quote).joined(separator: ", ")
                rows.append("{\"daemon\": \(Report.quote(c.name)), \"chain_cases\": \(chains.cases), \"chain_answered\": \(chains.answered), "
                    + "\"broken_queues\": \(chains.brokenQueues), \"message_cases\": \(messages.cases), \"notes\": \(chains.notes.count), "
                    + "\"daemon_starts\": \(target.restarts + 1), \"findings\": [\(f)]}")
            } else {
                rows.append("\(c.name): chains: \(chains); messages: \(messages); daemon started \(target.restarts + 1) times")
                for n in chains.notes.prefix(5) { rows.append("  note: \(n)") }
                for f in findings { rows.append("  FINDING: \(f)") }
            }
        }
        print(json ? "{\"fuzz\": [" + rows.joined(separator: ", ") + "]}" : rows.joined(separator: "\n"))
        return clean
    }
}

func progress(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}

import Glibc
