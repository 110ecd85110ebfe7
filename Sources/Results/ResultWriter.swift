import Foundation
import Synchronization

/// Keeps a run's document on disk while the run goes on: rewritten atomically after every cell
/// with `complete: false`, and once more with `complete: true` at the end. A run killed midway
/// leaves its last good document, marked incomplete.
public final class ResultWriter: Sendable {
    public let path: String
    private let state: Mutex<RunDocument>

    /// Writes the initial (empty, incomplete) document to `directory/<run-id>.json`.
    public init(document: RunDocument, directory: String) throws(ResultsError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ResultsError(.io, "cannot create results directory", path: directory, cause: error)
        }
        path = URL(fileURLWithPath: directory).appendingPathComponent("\(document.runID).json").path
        var initial = document
        initial.complete = false
        state = Mutex(initial)
        AtomicFile.removeStaleTemporaries(for: path)
        try AtomicFile.write(try initial.encoded(), to: path)
    }

    public var document: RunDocument { state.withLock { $0 } }

    /// Adds or replaces a cell's result and rewrites the document.
    public func record(_ cell: CellResult) throws(ResultsError) {
        // The file is written under the lock so concurrent cells cannot land out of order.
        try state.withLock { (doc: inout RunDocument) throws(ResultsError) in
            var next = doc
            if let i = next.cells.firstIndex(where: { $0.cellID == cell.cellID }) {
                next.cells[i] = cell
            } else {
                next.cells.append(cell)
            }
            try AtomicFile.write(try next.encoded(), to: path)
            doc = next
        }
    }

    /// Marks the run complete and writes the final document.
    @discardableResult
    public func finish(at date: Date = Date()) throws(ResultsError) -> RunDocument {
        try state.withLock { (doc: inout RunDocument) throws(ResultsError) -> RunDocument in
            var next = doc
            next.complete = true
            next.finishedAt = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
            try AtomicFile.write(try next.encoded(), to: path)
            doc = next
            return next
        }
    }
}
