import Foundation
import GRDB

/// The SQLite history of runs: every run's environment, each cell's verdict and every
/// repetition's metrics, from which baselines and trends are read. Each run is recorded in one
/// transaction, so a failure (or a kill) midway leaves the earlier history exactly as it was.
public final class History: Sendable {
    let db: DatabaseQueue
    public let path: String

    /// Opens (creating if needed) the history at `path` and migrates it to the current schema.
    public init(path: String) throws(ResultsError) {
        self.path = path
        do {
            db = try DatabaseQueue(path: path)
        } catch {
            throw ResultsError(.database, "cannot open history", path: path, cause: error)
        }
        try migrate()
    }

    /// An in-memory history, for tests and dry runs.
    public init() throws(ResultsError) {
        path = ":memory:"
        do {
            db = try DatabaseQueue()
        } catch {
            throw ResultsError(.database, "cannot open in-memory history", cause: error)
        }
        try migrate()
    }

    private func migrate() throws(ResultsError) {
        do {
            try Self.migrator.migrate(db)
        } catch {
            throw ResultsError(.schema, "migration failed", path: path, cause: error)
        }
    }

    /// Migrations applied so far, oldest first.
    public func appliedMigrations() throws(ResultsError) -> [String] {
        try read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Runs `body` in a write transaction; any error rolls the whole transaction back.
    func write<T>(_ body: @escaping (Database) throws -> T) throws(ResultsError) -> T {
        do {
            return try db.write(body)
        } catch {
            throw ResultsError(.database, "history write failed (rolled back)", path: path, cause: error)
        }
    }

    func read<T>(_ body: @escaping (Database) throws -> T) throws(ResultsError) -> T {
        do {
            return try db.read(body)
        } catch {
            throw ResultsError(.database, "history read failed", path: path, cause: error)
        }
    }
}
