import Foundation

/// fio job files and command lines, exactly as the runner hands them to the guest.
extension FioJob {
    /// Files the job uses, one per fio job: `fio-file1` ... `fio-file4`.
    public var fileNames: [String] { (1...layout.jobs).map { "fio-file\($0)" } }

    /// A fio job file: globals carry every knob, one section per file (one job per file), grouped
    /// so fio reports one aggregate job as the seed reports did.
    public func jobFile(directory: String) -> String {
        var lines = ["[global]", "name=\(name)", "directory=\(directory)", "rw=\(pattern.rw)"]
        if pattern == .randrw { lines.append("rwmixread=\(rwMixRead)") }
        lines += [
            "bs=\(blockSize)",
            "iodepth=\(iodepth)",
            "ioengine=\(engine.rawValue)",
            "direct=\(direct ? 1 : 0)",
            "size=\(size)",
            "runtime=\(runtime)",
        ]
        if timeBased { lines.append("time_based=1") }
        lines.append("group_reporting=1")
        for file in fileNames {
            lines += ["", "[\(name)]", "filename=\(file)"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The job's files laid out and nothing measured (`create_only=1`), with plain buffered
    /// psync so that no engine's setup (an mmap of a file cache=none refuses) runs: the runner
    /// does this before each measured step, then flushes the host, so a step never measures the
    /// host writing back the files its own layout just dirtied.
    public func layoutJobFile(directory: String) -> String {
        var layoutJob = self
        layoutJob.engine = .psync
        layoutJob.iodepth = 1
        let lines = layoutJob.jobFile(directory: directory).split(separator: "\n", omittingEmptySubsequences: false)
        return lines.map { $0.hasPrefix("direct=") ? "direct=0\ncreate_only=1" : String($0) }.joined(separator: "\n")
    }

    /// The command that runs `jobFile` and prints one JSON document on stdout.
    public func command(jobFilePath: String) -> [String] {
        ["fio", "--output-format=json", jobFilePath]
    }

    /// The same job without a job file: every option on the command line (for logs and reruns).
    public func commandLine(directory: String) -> [String] {
        var args = ["fio", "--output-format=json", "--name=\(name)", "--directory=\(directory)", "--rw=\(pattern.rw)"]
        if pattern == .randrw { args.append("--rwmixread=\(rwMixRead)") }
        args += [
            "--bs=\(blockSize)", "--iodepth=\(iodepth)", "--ioengine=\(engine.rawValue)",
            "--direct=\(direct ? 1 : 0)", "--size=\(size)", "--runtime=\(runtime)",
        ]
        if timeBased { args.append("--time_based=1") }
        args.append("--group_reporting=1")
        if layout == .multi {
            args += ["--numjobs=\(layout.jobs)"]  // fio names the files per job (name.N.0)
        } else {
            args.append("--filename=fio-file1")
        }
        return args
    }
}

/// Quoting for commands sent over SSH: every argument in single quotes unless plainly safe.
public func shellQuote(_ args: [String]) -> String {
    args.map { arg in
        let safe = !arg.isEmpty && arg.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic && scalar.isASCII || "0123456789-_=./:,+%@".unicodeScalars.contains(scalar)
        }
        return safe ? arg : "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }.joined(separator: " ")
}
