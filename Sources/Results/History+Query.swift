import Foundation
import GRDB
import Stats

/// A run as the history lists it.
public struct RunSummary: Sendable, Hashable {
    public var runID: String
    public var matrix: String
    public var startedAt: Date
    public var complete: Bool
    public var straitdSHA: String?
    public var accelerator: String
    public var hostDigest: String
    public var documentPath: String?
}

/// One point of a trend line: a run's median of one metric in one cell and workload.
public struct TrendPoint: Sendable, Hashable {
    public var runID: String
    public var startedAt: Date
    public var straitdSHA: String?
    public var median: Double
    public var samples: Int
}

extension History {
    /// Runs, newest first.
    public func runs(matrix: String? = nil, completeOnly: Bool = false, limit: Int = 100) throws(ResultsError) -> [RunSummary] {
        try read { db in
            var sql = "SELECT * FROM run WHERE 1"
            var arguments: StatementArguments = []
            if let matrix {
                sql += " AND matrix = ?"
                arguments += [matrix]
            }
            if completeOnly { sql += " AND complete" }
            sql += " ORDER BY started_at DESC, id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.summary)
        }
    }

    public func run(_ runID: String) throws(ResultsError) -> RunSummary? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [runID]).map(Self.summary)
        }
    }

    /// The baseline for a candidate run: the newest complete run of the same matrix on the same
    /// host and accelerator that started before it (optionally of a given straitd commit).
    public func baseline(for candidate: RunSummary, straitdSHA: String? = nil) throws(ResultsError) -> RunSummary? {
        try read { db in
            var sql = """
                SELECT * FROM run WHERE complete AND matrix = ? AND host_digest = ? AND accelerator = ?
                    AND id != ? AND started_at <= ?
                """
            var arguments: StatementArguments = [
                candidate.matrix, candidate.hostDigest, candidate.accelerator, candidate.runID,
                candidate.startedAt.timeIntervalSince1970,
            ]
            if let straitdSHA {
                sql += " AND straitd_sha = ?"
                arguments += [straitdSHA]
            }
            sql += " ORDER BY started_at DESC, id DESC LIMIT 1"
            return try Row.fetchOne(db, sql: sql, arguments: arguments).map(Self.summary)
        }
    }

    /// A run's samples of one metric, in repetition order.
    public func samples(runID: String, cellID: String, workload: String, metric: String) throws(ResultsError) -> [Double] {
        try read { db in
            try Double.fetchAll(
                db,
                sql: """
                    SELECT value FROM sample WHERE run_id = ? AND cell_id = ? AND workload = ? AND metric = ?
                    ORDER BY repetition
                    """,
                arguments: [runID, cellID, workload, metric])
        }
    }

    /// A cell's verdict label and reason in a run.
    public func verdict(runID: String, cellID: String) throws(ResultsError) -> Verdict? {
        let row = try read { db in
            try Row.fetchOne(
                db, sql: "SELECT verdict, reason FROM cell_result WHERE run_id = ? AND cell_id = ?",
                arguments: [runID, cellID])
        }
        guard let row else { return nil }
        do {
            return try Verdict(label: row["verdict"], reason: row["reason"])
        } catch {
            throw ResultsError(.decoding, "unknown verdict in history", path: path, cause: error)
        }
    }

    /// Medians of one metric per complete run, oldest first: the data of a trend line.
    public func trend(
        cellID: String, workload: String, metric: String, matrix: String? = nil, limit: Int = 50
    ) throws(ResultsError) -> [TrendPoint] {
        let rows = try read { db in
            var sql = """
                SELECT run.id AS run_id, run.started_at AS started_at, run.straitd_sha AS sha, sample.value AS value
                FROM sample JOIN run ON run.id = sample.run_id
                WHERE run.complete AND sample.cell_id = ? AND sample.workload = ? AND sample.metric = ?
                """
            var arguments: StatementArguments = [cellID, workload, metric]
            if let matrix {
                sql += " AND run.matrix = ?"
                arguments += [matrix]
            }
            sql += " ORDER BY run.started_at, run.id, sample.repetition"
            return try Row.fetchAll(db, sql: sql, arguments: arguments)
        }
        var points: [TrendPoint] = []
        var values: [Double] = []
        func flush(_ row: Row?) {
            guard let row, !values.isEmpty, let median = try? Descriptive.median(values) else { return }
            points.append(TrendPoint(
                runID: row["run_id"], startedAt: Date(timeIntervalSince1970: row["started_at"]), straitdSHA: row["sha"],
                median: median, samples: values.count))
            values = []
        }
        var previous: Row?
        for row in rows {
            if let p = previous, (p["run_id"] as String) != (row["run_id"] as String) { flush(p) }
            values.append(row["value"])
            previous = row
        }
        flush(previous)
        return Array(points.suffix(limit))
    }

    static func summary(_ row: Row) -> RunSummary {
        RunSummary(
            runID: row["id"], matrix: row["matrix"], startedAt: Date(timeIntervalSince1970: row["started_at"]),
            complete: row["complete"], straitdSHA: row["straitd_sha"], accelerator: row["accelerator"],
            hostDigest: row["host_digest"], documentPath: row["document_path"])
    }
}
