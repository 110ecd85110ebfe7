import FuzzTargets
import Glibc

// strait-fuzz TARGET [FILE|DIR...]: replays inputs through one of the daemon's fuzz targets
// (message, chain, dispatcher): the regression corpus, or a finding. Built with
// `-sanitize=fuzzer -D STRAIT_LIBFUZZER` (scripts/fuzz.sh) it is libFuzzer instead: the target
// comes from STRAIT_FUZZ_TARGET and the arguments are libFuzzer's (LibFuzzerEntry.swift).

/// One line to standard error (stderr itself is shared mutable state to Swift 6).
func complain(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

#if STRAIT_LIBFUZZER
runLibFuzzer()
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
    complain("usage: strait-fuzz \(names) [corpus directories or files, libFuzzer options]")
    exit(2)
}

var count = 0
for path in arguments.dropFirst(2) {
    for file in CorpusFiles.list(path) {
        guard let bytes = CorpusFiles.read(file) else { complain("strait-fuzz: cannot read \(file)"); exit(1) }
        bytes.withUnsafeBytes { target.run($0) }
        count += 1
    }
}
print("strait-fuzz: \(target.rawValue): \(count) inputs replayed, no crash")
