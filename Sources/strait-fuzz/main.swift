import FuzzTargets
import Glibc

// strait-fuzz TARGET [ARGS...]: the daemon's fuzz targets (message, chain, dispatcher).
// Built with `-sanitize=fuzzer -D STRAIT_LIBFUZZER` (scripts/fuzz.sh) it is libFuzzer, coverage
// guided, and ARGS are libFuzzer's (corpus directories, -max_total_time=...). In a normal build
// it replays the files or directories in ARGS through the target (regression inputs).

/// One line to standard error (stderr itself is shared mutable state to Swift 6).
func complain(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
    complain("usage: strait-fuzz \(names) [corpus directories or files, libFuzzer options]")
    exit(2)
}
nonisolated(unsafe) var selected = target

#if STRAIT_LIBFUZZER
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

// libFuzzer sees its own argv: the program name and everything after TARGET.
var libArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
var argc = Int32(libArguments.count - 1)
let status = libArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        selected.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
exit(status)
#else
var count = 0
for path in arguments.dropFirst(2) {
    for file in CorpusFiles.list(path) {
        guard let bytes = CorpusFiles.read(file) else { complain("strait-fuzz: cannot read \(file)"); exit(1) }
        bytes.withUnsafeBytes { selected.run($0) }
        count += 1
    }
}
print("strait-fuzz: \(target.rawValue): \(count) inputs replayed, no crash")
#endif
