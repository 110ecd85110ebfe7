#if STRAIT_LIBFUZZER
import FuzzTargets
import Glibc

// Under -sanitize=fuzzer the libFuzzer runtime is linked whole: its main loses to ours (main.swift
// calls `runLibFuzzer`), but its objects still need this symbol, which then runs the same target.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selectedTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// The target named by STRAIT_FUZZ_TARGET (libFuzzer owns the command line).
let selectedTarget: FuzzTarget = {
    guard let name = getenv("STRAIT_FUZZ_TARGET"), let target = FuzzTarget(rawValue: String(cString: name)) else {
        complain("strait-fuzz: set STRAIT_FUZZ_TARGET to message, chain or dispatcher")
        exit(2)
    }
    return target
}()

/// Hands the whole command line to libFuzzer; never returns.
func runLibFuzzer() -> Never {
    _ = selectedTarget
    var arguments: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
    var argc = Int32(arguments.count - 1)
    let status = arguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var argv = buffer.baseAddress
        return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
    }
    exit(status)
}
#endif
