import DaemonLaunch
import VhostUserFuzz

/// `--hostile`: the hardening suite's hostile-guest vectors (VhostUserFuzz's `HostileVector`, the
/// same code the tests run) against each daemon, each vector on a fresh daemon and share. Prints
/// what ran, what could not run here and why, and every finding. Returns false on any finding.
struct Hostile {
    let commands: [DaemonCommandLine]
    let json: Bool

    func run() -> Bool {
        var clean = true
        var rows: [String] = []
        for c in commands {
            let outcome = HostileGuest.run(against: c, progress: progress)
            if !outcome.findings.isEmpty { clean = false }
            if json {
                let list = { (items: [String]) in items.map(Report.quote).joined(separator: ", ") }
                rows.append("{\"daemon\": \(Report.quote(c.name)), \"vectors\": [\(list(outcome.ran.map(\.rawValue)))], "
                    + "\"not_run\": [\(list(outcome.notRun))], \"findings\": [\(list(outcome.findings))]}")
            } else {
                rows.append("\(c.name): \(outcome.ran.count) vectors run, \(outcome.findings.count) findings")
                for n in outcome.notRun { rows.append("  NOT RUN: \(n)") }
                for f in outcome.findings { rows.append("  FINDING: \(f)") }
            }
        }
        print(json ? "{\"hostile\": [" + rows.joined(separator: ", ") + "]}" : rows.joined(separator: "\n"))
        return clean
    }
}
