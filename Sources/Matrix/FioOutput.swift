import Foundation

/// One direction (read or write) of a fio job: what the reports and statistics need.
public struct FioDirection: Sendable, Codable, Hashable {
    /// KiB/s, as fio reports `bw`.
    public var bandwidthKiBps: Double
    public var iops: Double
    public var ioBytes: Int64
    public var runtimeMs: Int64
    public var clatMeanNs: Double
    /// Completion latency percentiles in ns, keyed by `String(percentile)` ("50.0", "99.9"): string
    /// keys keep the result JSON readable.
    public var clatPercentilesNs: [String: Double]

    public init(
        bandwidthKiBps: Double = 0, iops: Double = 0, ioBytes: Int64 = 0, runtimeMs: Int64 = 0,
        clatMeanNs: Double = 0, clatPercentilesNs: [String: Double] = [:]
    ) {
        self.bandwidthKiBps = bandwidthKiBps
        self.iops = iops
        self.ioBytes = ioBytes
        self.runtimeMs = runtimeMs
        self.clatMeanNs = clatMeanNs
        self.clatPercentilesNs = clatPercentilesNs
    }

    /// True when the job moved data in this direction (a read-only job has an empty write side).
    public var active: Bool { ioBytes > 0 }

    public func clat(_ percentile: Double) -> Double? { clatPercentilesNs[String(percentile)] }
}

/// One job of fio's JSON output.
public struct FioJobMetrics: Sendable, Codable, Hashable {
    public var name: String
    /// fio's per-job error (an errno); non-zero means the numbers are not a measurement.
    public var error: Int
    public var read: FioDirection
    public var write: FioDirection

    public init(name: String, error: Int = 0, read: FioDirection, write: FioDirection) {
        self.name = name
        self.error = error
        self.read = read
        self.write = write
    }
}

/// fio's JSON output reduced to per-job metrics plus the aggregate over jobs.
public struct FioSummary: Sendable, Codable, Hashable {
    public var fioVersion: String
    public var jobs: [FioJobMetrics]
    public var read: FioDirection
    public var write: FioDirection
    /// What fio printed before its JSON: notes, and `fio: pid=..., err=19/..., func=mmap,
    /// error=No such device` lines when a job failed.
    public var messages: [String]

    public init(fioVersion: String, jobs: [FioJobMetrics], read: FioDirection, write: FioDirection, messages: [String] = []) {
        self.fioVersion = fioVersion
        self.jobs = jobs
        self.read = read
        self.write = write
        self.messages = messages
    }

    /// Non-zero when any job failed.
    public var error: Int { jobs.first { $0.error != 0 }?.error ?? 0 }

    /// Why the measurement is not one, in fio's words when it gave them: the text an
    /// `unsupported` verdict carries (mmap on cache=none fails with ENODEV), never a zero.
    public var errorDescription: String? {
        guard let failed = jobs.first(where: { $0.error != 0 }) else { return nil }
        if let line = messages.first(where: { $0.hasPrefix("fio: ") && $0.contains("err=") }) {
            return "\(failed.name): \(line)"
        }
        return "\(failed.name): error \(failed.error) (\(String(cString: strerror(Int32(failed.error)))))"
    }

    /// Flat metric names the statistics and history use: `read.bw`, `write.iops`, `read.clat_p99`.
    /// Only directions that moved data appear, so a read job has no `write.*` zeros.
    public var metrics: [String: Double] {
        var out: [String: Double] = [:]
        for (prefix, dir) in [("read", read), ("write", write)] where dir.active {
            out["\(prefix).bw"] = dir.bandwidthKiBps
            out["\(prefix).iops"] = dir.iops
            for (key, p) in [("clat_p50", 50.0), ("clat_p99", 99.0), ("clat_p99.9", 99.9)] {
                if let v = dir.clat(p) { out["\(prefix).\(key)"] = v }
            }
        }
        return out
    }
}

extension FioSummary {
    /// Parses fio's `--output-format=json` output. fio prints notes ("note: both iodepth >= 1 and
    /// synchronous I/O engine...") on stdout before the JSON; they are skipped.
    public static func parse(_ text: String, source: String? = nil) throws(MatrixError) -> FioSummary {
        guard let start = jsonStart(text) else {
            throw MatrixError(.fioOutput, "no JSON object in fio output", file: source)
        }
        let data = Data(text[start...].utf8)
        let raw: RawOutput
        do {
            raw = try JSONDecoder().decode(RawOutput.self, from: data)
        } catch let error as DecodingError {
            throw MatrixError(.fioOutput, "fio JSON: \(describe(error))", file: source, field: path(of: error))
        } catch {
            throw MatrixError(.fioOutput, "fio JSON: \(error)", file: source)
        }
        guard !raw.jobs.isEmpty else {
            throw MatrixError(.fioOutput, "fio JSON has no jobs", file: source, field: "jobs")
        }
        let jobs = raw.jobs.map { job in
            FioJobMetrics(name: job.jobname, error: job.error ?? 0, read: job.read.direction, write: job.write.direction)
        }
        let messages = text[..<start].split(separator: "\n").map { String($0) }.filter { !$0.isEmpty }
        return FioSummary(
            fioVersion: raw.fioVersion ?? "unknown", jobs: jobs,
            read: aggregate(jobs.map(\.read)), write: aggregate(jobs.map(\.write)), messages: messages)
    }

    /// Jobs run concurrently: bandwidth, IOPS and bytes add up; latency percentiles take the worst
    /// job (fio cannot merge histograms after the fact); the mean is weighted by bytes.
    static func aggregate(_ dirs: [FioDirection]) -> FioDirection {
        guard dirs.count > 1 else { return dirs.first ?? FioDirection() }
        var out = FioDirection()
        var weighted = 0.0
        for d in dirs {
            out.bandwidthKiBps += d.bandwidthKiBps
            out.iops += d.iops
            out.ioBytes += d.ioBytes
            out.runtimeMs = max(out.runtimeMs, d.runtimeMs)
            weighted += d.clatMeanNs * Double(d.ioBytes)
            for (p, v) in d.clatPercentilesNs { out.clatPercentilesNs[p] = max(out.clatPercentilesNs[p] ?? 0, v) }
        }
        out.clatMeanNs = out.ioBytes > 0 ? weighted / Double(out.ioBytes) : 0
        return out
    }

    private static func jsonStart(_ text: String) -> String.Index? {
        if text.first == "{" { return text.startIndex }
        guard let range = text.range(of: "\n{") else { return nil }
        return text.index(before: range.upperBound)
    }

    private static func path(of error: DecodingError) -> String? {
        let context: DecodingError.Context? = switch error {
        case .keyNotFound(let key, let c): .init(codingPath: c.codingPath + [key], debugDescription: c.debugDescription)
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): c
        @unknown default: nil
        }
        return context.map { context in
            context.codingPath.reduce(into: "") { path, key in
                if let index = key.intValue {
                    path += "[\(index)]"
                } else {
                    path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing key \(key.stringValue)"
        case .typeMismatch(let type, _): "expected \(type)"
        case .valueNotFound(let type, _): "missing \(type)"
        case .dataCorrupted(let c): c.debugDescription
        @unknown default: "\(error)"
        }
    }
}

/// The parts of fio's JSON schema we read; everything else is ignored (the raw text is kept whole
/// by the runner).
private struct RawOutput: Decodable {
    var fioVersion: String?
    var jobs: [RawJob]
    enum CodingKeys: String, CodingKey {
        case fioVersion = "fio version"
        case jobs
    }
}

private struct RawJob: Decodable {
    var jobname: String
    var error: Int?
    var read: RawDirection
    var write: RawDirection
}

private struct RawDirection: Decodable {
    var io_bytes: Int64
    var bw: Double
    var iops: Double
    var runtime: Int64
    var clat_ns: RawClat?

    var direction: FioDirection {
        var percentiles: [String: Double] = [:]
        for (key, value) in clat_ns?.percentile ?? [:] {
            if let p = Double(key) { percentiles[String(p)] = value }
        }
        return FioDirection(
            bandwidthKiBps: bw, iops: iops, ioBytes: io_bytes, runtimeMs: runtime,
            clatMeanNs: clat_ns?.mean ?? 0, clatPercentilesNs: percentiles)
    }
}

private struct RawClat: Decodable {
    var mean: Double?
    var percentile: [String: Double]?
}
