import Foundation
import Glibc
import Harness
import Matrix
import Results
import Stats

/// The workloads as the guest runs them, over SSH: each starts with caches dropped; fio's output
/// is kept whole; a tar extraction is timed in the guest and verified on the host.
enum GuestWorkloads {
    static let workDir = "/root/strait"
    static let dropCaches = "sync && echo 3 > /proc/sys/vm/drop_caches"
    /// errnos that mean "this configuration cannot do that" rather than "the daemon is broken":
    /// ENODEV (mmap on cache=none without DAX), EOPNOTSUPP, ENOSYS.
    static let unsupportedErrnos: Set<Int> = [Int(ENODEV), Int(EOPNOTSUPP), Int(ENOSYS)]

    /// Linux's 9p without a page cache (cache=none) maps files with generic_file_readonly_mmap:
    /// a shared writable mapping, which fio's mmap engine makes for writes, fails with EINVAL by
    /// design (cache=mmap is 9p's mode for that). Only that case, so an EINVAL anywhere else
    /// still fails its cell. Returns why, or nil.
    static func readOnlyMapping(_ job: FioJob, cell: Cell, errno: Int) -> String? {
        guard errno == Int(EINVAL), job.engine == .mmap, job.pattern.writes,
              cell.backend == .ninep, cell.cache == "none" else { return nil }
        return "9p cache=none maps files read-only: generic_file_readonly_mmap refuses shared writable mappings; 9p's cache=mmap allows them"
    }

    enum Outcome {
        case measured(Repetition, summary: String)
        case unsupported(String)
        case failed(String)
    }

    static func paths(_ job: FioJob, slot: ShareSlot) -> (directory: String, job: String, layout: String, out: String, err: String) {
        let base = "\(workDir)/\(slot.key)-\(job.name)"
        return (slot.mountPoint + "/fio", base + ".fio", base + ".layout.fio", base + ".json", base + ".err")
    }

    /// Unmeasured, before each fio step: the job file written, its files laid out
    /// (`FioJob.layoutJobFile`), the guest's dirty pages synced and its caches dropped. The caller
    /// then flushes the host (`HostFlush`), so the measured step starts with nothing of its own
    /// layout left to write back on either side. Returns why it failed, or nil.
    static func prepareFio(_ job: FioJob, slot: ShareSlot, ssh: SSHClient) -> String? {
        let p = paths(job, slot: slot)
        let layout = shellQuote([job.layoutJobFile(directory: p.directory)])
        let command = "mkdir -p \(workDir) \(p.directory) && cat > \(p.job) && printf '%s' \(layout) > \(p.layout) && "
            + "{ fio \(p.layout) > \(p.err) 2>&1 || { cat \(p.err); exit 1; }; } && \(dropCaches)"
        do {
            let r = try ssh.run(command, input: Data(job.jobFile(directory: p.directory).utf8), timeout: 3600)
            if r.timedOut { return "\(job.name): laying out fio's files timed out after 3600 s" }
            if r.status != 0 { return "\(job.name): laying out fio's files failed (exit \(r.status)): \(r.output.suffix(600))" }
            return nil
        } catch {
            return "\(job.name): ssh: \(error)"
        }
    }

    /// Runs one fio job, prepared by `prepareFio`, in the slot's mount; `rawPath` receives
    /// everything fio printed.
    static func fio(_ job: FioJob, slot: ShareSlot, repetition: Int, ssh: SSHClient, rawPath: String,
                    rawReference: String) -> Outcome {
        let p = paths(job, slot: slot)
        let command = "{ fio --output-format=json \(p.job) > \(p.out) 2> \(p.err); rc=$?; cat \(p.err) \(p.out); exit $rc; }"
        let timeout = Double(max(300, job.runtime * 4 + 600))
        let result: HostCommandResult
        do {
            let r = try ssh.run(command, timeout: timeout)
            result = HostCommandResult(status: r.status, output: r.output, timedOut: r.timedOut)
        } catch {
            return .failed("\(job.name): ssh: \(error)")
        }
        try? FileManager.default.createDirectory(atPath: (rawPath as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: rawPath, contents: Data(result.output.utf8))
        if result.timedOut { return .failed("\(job.name): fio timed out after \(Int(timeout)) s") }
        let summary: FioSummary
        do {
            summary = try FioSummary.parse(result.output, source: rawPath)
        } catch {
            return .failed("\(job.name): fio exit \(result.status), no usable JSON (\(error)): \(result.output.suffix(600))")
        }
        if let why = summary.errorDescription {
            if unsupportedErrnos.contains(summary.error) { return .unsupported(why) }
            if let reason = readOnlyMapping(job, cell: slot.cell, errno: summary.error) { return .unsupported("\(why) (\(reason))") }
            return .failed(why)
        }
        guard result.status == 0 else {
            return .failed("\(job.name): fio exit \(result.status): \(summary.messages.suffix(5).joined(separator: " | "))")
        }
        let rep = Repetition(index: repetition, fio: summary, rawOutput: rawReference)
        return .measured(rep, summary: Self.describe(summary))
    }

    static func describe(_ s: FioSummary) -> String {
        var parts: [String] = []
        for (name, d) in [("read", s.read), ("write", s.write)] where d.active {
            parts.append(String(format: "%@ %.1f MiB/s %.0f IOPS", name, d.bandwidthKiBps / 1024, d.iops))
        }
        return parts.joined(separator: ", ")
    }

    /// Extracts the tree's tarball (already in the guest) into a fresh directory of the share,
    /// timed in the guest, then verifies the result on the host, file by file.
    static func tar(_ workload: TarWorkload, tree: TarTree, state: SlotState, repetition: Int, step: Int,
                    ssh: SSHClient) -> (Outcome, Verification?) {
        let name = "tarx-\(repetition)-\(step)"
        let target = state.slot.mountPoint + "/" + name
        let extract = shellQuote(workload.extractCommand(archive: "\(workDir)/tree.tar", into: target))
        let command = "mkdir \(target) && \(dropCaches) && s=$(date +%s%N) && \(extract) && e=$(date +%s%N) && sync && echo TAR_NS=$((e-s))"
        let result: HostCommandResult
        do {
            let r = try ssh.run(command, timeout: 3600)
            result = HostCommandResult(status: r.status, output: r.output, timedOut: r.timedOut)
        } catch {
            return (.failed("tar: ssh: \(error)"), nil)
        }
        guard result.status == 0, !result.timedOut,
              let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("TAR_NS=") }),
              let ns = Double(line.dropFirst(7)) else {
            let why = result.timedOut ? "timed out" : "exit \(result.status)"
            return (.failed("tar extraction \(why): \(result.output.suffix(800))"), nil)
        }
        let seconds = ns / 1e9
        let verification: Verification
        if state.slot.cell.backend == .native {
            // On the guest's own disk: the guest hashes what it extracted, the host compares.
            let sums = "cd \(target)/tree && find . -type f -print0 | xargs -0 -r sha256sum && cd / && rm -rf \(target)"
            guard let r = try? ssh.run(sums, timeout: 3600), r.succeeded else {
                return (.failed("tar: cannot hash the extraction in the guest"), nil)
            }
            verification = tree.verify(guestSums: r.output)
        } else {
            verification = tree.verify(extracted: state.hostDir + "/" + name)
        }
        guard verification.passed else {
            let why = "tar: host verification failed (\(verification.filesChecked) files checked): "
                + verification.mismatches.prefix(5).joined(separator: "; ")
            return (.failed(why), verification)
        }
        try? FileManager.default.removeItem(atPath: state.hostDir + "/" + name)
        let rep = Repetition(index: repetition, tarSeconds: seconds)
        return (.measured(rep, summary: String(format: "%.1f s, %d files verified", seconds, verification.filesChecked)), verification)
    }
}

/// The parts of a command result the workloads look at.
struct HostCommandResult {
    let status: Int32
    let output: String
    let timedOut: Bool
}
