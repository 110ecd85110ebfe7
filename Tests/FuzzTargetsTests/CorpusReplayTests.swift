import FuzzTargets
import Foundation
import Testing

/// Every input the fuzzers kept (their corpus and any finding, fixed and kept as a regression
/// input) replays through its target on every test run, plus seeded random inputs.
@Suite struct CorpusReplayTests {
    static let corpus: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        url.deleteLastPathComponent()
        return url.path + "/Fuzz/corpus"
    }()

    @Test(arguments: FuzzTarget.allCases)
    func corpusReplays(_ target: FuzzTarget) throws {
        let files = CorpusFiles.list(Self.corpus + "/" + target.rawValue)
        #expect(files.count >= 3, "the \(target) corpus holds \(files.count) inputs")
        for file in files {
            let bytes = try #require(CorpusFiles.read(file))
            bytes.withUnsafeBytes { target.run($0) }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func randomInputsDoNotCrash(_ target: FuzzTarget) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let count = Int.random(in: 0...2048, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            bytes.withUnsafeBytes { target.run($0) }
        }
    }
}
