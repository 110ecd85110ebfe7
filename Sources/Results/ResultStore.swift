import Foundation

/// Where results live: `<root>/runs/<run-id>.json` per run and `<root>/history.sqlite`.
/// `strait report` and `strait compare` accept a run id or a document path.
public struct ResultStore: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public var runsDirectory: String { root + "/runs" }
    public var historyPath: String { root + "/history.sqlite" }

    public func documentPath(runID: String) -> String { runsDirectory + "/\(runID).json" }

    /// A writer for a new run's document, under `runs/`.
    public func writer(for document: RunDocument) throws(ResultsError) -> ResultWriter {
        try ResultWriter(document: document, directory: runsDirectory)
    }

    /// Opens (creating and migrating as needed) the history.
    public func history() throws(ResultsError) -> History {
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw ResultsError(.io, "cannot create results directory", path: root, cause: error)
        }
        return try History(path: historyPath)
    }

    /// Loads a run by id, or by path when `reference` names an existing file.
    public func load(_ reference: String) throws(ResultsError) -> RunDocument {
        if reference.hasSuffix(".json") || reference.contains("/"), FileManager.default.fileExists(atPath: reference) {
            return try RunDocument.load(path: reference)
        }
        let path = documentPath(runID: reference)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ResultsError(.io, "no run '\(reference)' (neither a file nor a run id under \(runsDirectory))", path: path)
        }
        return try RunDocument.load(path: path)
    }

    /// Records a finished (or interrupted) run's document in the history, pointing at its file.
    public func record(_ document: RunDocument) throws(ResultsError) {
        try history().record(document, documentPath: documentPath(runID: document.runID))
    }

    /// Writes a merged run under `runs/` and records it in the history in place of its shards
    /// (their rows go when this history has them), so the history holds the fanned-out run once.
    @discardableResult
    public func saveMerged(_ merged: RunDocument, replacing shards: [RunDocument]) throws(ResultsError) -> String {
        let path = documentPath(runID: merged.runID)
        do {
            try FileManager.default.createDirectory(atPath: runsDirectory, withIntermediateDirectories: true)
        } catch {
            throw ResultsError(.io, "cannot create results directory", path: runsDirectory, cause: error)
        }
        try AtomicFile.write(try merged.encoded(), to: path)
        let history = try history()
        for shard in shards where shard.runID != merged.runID { try history.delete(runID: shard.runID) }
        try history.record(merged, documentPath: path)
        return path
    }
}
