/// What a straitd binary knows of its own build and prints under its `--version` line: the commit
/// it was built from (scripts/build-commit.sh, run before every build) and whether it is a debug
/// or a release build. The daemon writes these lines and the runner reads them back, so a copied
/// or moved binary still names its commit, and a run records the build it measured rather than
/// the commit of whatever checkout the binary sits in at run time.
public struct BuildStamp: Sendable, Hashable {
    public enum Configuration: String, Sendable, CaseIterable {
        case debug, release
    }

    /// Twelve hex digits, `-dirty` when tracked files differed from that commit at build time;
    /// nil when the build could not tell (no git, no `.strait-commit`).
    public var commit: String?
    public var configuration: Configuration?

    public init(commit: String?, configuration: Configuration?) {
        self.commit = commit.flatMap { $0.isEmpty || $0 == Self.unknown ? nil : $0 }
        self.configuration = configuration
    }

    static let unknown = "unknown"

    /// The lines `straitd --version` prints after its version line.
    public var versionLines: [String] {
        ["commit " + (commit ?? Self.unknown), "build " + (configuration?.rawValue ?? Self.unknown)]
    }

    /// Reads `straitd --version`'s output. A binary from before these lines (or another daemon)
    /// yields nil for both, never a guess.
    public init(versionOutput: String) {
        var commit: String?
        var configuration: Configuration?
        for line in versionOutput.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count == 2 else { continue }
            switch words[0] {
            case "commit" where Self.isCommit(words[1]): commit = String(words[1])
            case "build": configuration = Configuration(rawValue: String(words[1]))
            default: continue
            }
        }
        self.init(commit: commit, configuration: configuration)
    }

    /// Hex digits with an optional `-dirty`: what build-commit.sh writes (and nothing a file
    /// beside a binary could smuggle into a report).
    static func isCommit(_ word: Substring) -> Bool {
        var hex = word
        if hex.hasSuffix("-dirty") { hex = hex.dropLast(6) }
        return (4...40).contains(hex.count) && hex.allSatisfy(\.isHexDigit)
    }
}
