import Foundation
import GuestImage
import Harness
import Matrix
import Results

/// The meta workload in the guest, one script over SSH: each phase starts with caches dropped and
/// is timed in the guest. The tree's shape and contents depend only on the file and directory
/// counts, so every cell and machine builds the same tree.
extension GuestWorkloads {
    enum MetaOutcome {
        case measured([(phase: String, seconds: Double)], Verification, summary: String)
        case failed(String)
    }

    /// The guest script. awk writes the files without a fork per file (as an installer writes
    /// from one process); `git add` + `commit` between create and find is setup, untimed.
    static func metaScript(_ meta: MetaWorkload, directory: String) -> String {
        let t = "t() { date +%s%N; }"
        let files = "awk -v n=\(meta.files) -v d=\(meta.directories) 'BEGIN{for(i=0;i<n;i++){p=sprintf(\"p%05d/lib/f%06d.js\", i%d, i); printf \"module.exports = %d;\\n\", i > p; close(p)}}'"
        let dirs = "awk -v d=\(meta.directories) 'BEGIN{for(i=0;i<d;i++) printf \"p%05d/lib\\n\", i}' | xargs mkdir -p"
        return [
            "set -e", t, "mkdir -p \(directory) && cd \(directory)",
            dropCaches, "s=$(t)", dirs, files, "sync", "echo META_create=$(( $(t) - s ))",
            "echo META_count=$(find . -type f | wc -l)",
            "git init -q . && git add -A && git -c user.email=strait@localhost -c user.name=strait commit -q -m tree",
            dropCaches, "s=$(t)", "find . -path ./.git -prune -o -type f -print0 | xargs -0 stat --format=%s > /dev/null",
            "echo META_find=$(( $(t) - s ))",
            dropCaches, "s=$(t)", "git status --porcelain > \(workDir)/meta-status.txt", "echo META_status=$(( $(t) - s ))",
            "echo META_dirty=$(wc -l < \(workDir)/meta-status.txt)",
            "cd /", dropCaches, "s=$(t)", "rm -rf \(directory)", "sync", "echo META_rm=$(( $(t) - s ))",
        ].joined(separator: "\n")
    }

    /// Runs the phases; the tree must hold every file, `git status` must find it clean, and
    /// the directory must be gone after `rm -rf`, or the cell fails.
    static func meta(_ meta: MetaWorkload, slot: ShareSlot, repetition: Int, step: Int, ssh: SSHClient) -> MetaOutcome {
        let directory = slot.mountPoint + "/meta-\(repetition)-\(step)"
        let result: HostCommand.Result
        do {
            result = try ssh.run("mkdir -p \(workDir) && bash -s", input: Data(metaScript(meta, directory: directory).utf8),
                                 timeout: Double(max(1800, meta.files / 5)))
        } catch {
            return .failed("meta: ssh: \(error)")
        }
        var values: [String: Double] = [:]
        for line in result.output.split(separator: "\n") where line.hasPrefix("META_") {
            let parts = line.dropFirst(5).split(separator: "=", maxSplits: 1)
            if parts.count == 2, let v = Double(parts[1]) { values[String(parts[0])] = v }
        }
        guard result.succeeded, !result.timedOut, MetaWorkload.phases.allSatisfy({ values[$0] != nil }) else {
            return .failed("meta: \(result.timedOut ? "timed out" : "exit \(result.status)"): \(result.output.suffix(800))")
        }
        let count = Int(values["count"] ?? -1)
        var mismatches: [String] = []
        if count != meta.files { mismatches.append("the tree holds \(count) files, expected \(meta.files)") }
        if let dirty = values["dirty"], dirty != 0 { mismatches.append("git status shows \(Int(dirty)) changed paths in a tree just committed") }
        let verification = Verification(passed: mismatches.isEmpty, filesChecked: meta.files, mismatches: mismatches)
        guard verification.passed else { return .failed("meta: " + mismatches.joined(separator: "; ")) }
        let phases = MetaWorkload.phases.map { ($0, values[$0]! / 1e9) }
        let summary = phases.map { String(format: "%@ %.1f s", $0.0, $0.1) }.joined(separator: ", ")
        return .measured(phases, verification, summary: summary + ", \(meta.files) files")
    }
}
