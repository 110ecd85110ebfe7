import Foundation

extension RunDocument {
    /// Stable output: sorted keys, ISO 8601 dates, pretty-printed for diffs and people.
    public func encoded() throws(ResultsError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return try encoder.encode(self)
        } catch {
            throw ResultsError(.encoding, "cannot encode run \(runID)", cause: error)
        }
    }

    /// Decodes a document, refusing schema versions newer than this code understands.
    public static func decode(_ data: Data, path: String? = nil) throws(ResultsError) -> RunDocument {
        struct Version: Decodable { var schemaVersion: Int }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let version: Int
        do {
            version = try decoder.decode(Version.self, from: data).schemaVersion
        } catch {
            throw ResultsError(.decoding, "not a result document", path: path, cause: error)
        }
        guard version <= schemaVersion else {
            throw ResultsError(.schema, "schema version \(version) is newer than \(schemaVersion)", path: path)
        }
        do {
            return try decoder.decode(RunDocument.self, from: data)
        } catch {
            throw ResultsError(.decoding, "malformed result document", path: path, cause: error)
        }
    }

    public static func load(path: String) throws(ResultsError) -> RunDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ResultsError(.io, "cannot read result document", path: path)
        }
        return try decode(data, path: path)
    }
}
