#if STRAIT_CALIBRATION_BUSYWAIT
import Glibc

/// Calibration only, never in a normal build: `swift build -c release -Xswiftc
/// -DSTRAIT_CALIBRATION_BUSYWAIT` makes every request spin `STRAIT_CALIBRATION_SPIN` iterations
/// (read once) before it is handled, so the gate can be shown a known added cost per request
/// (docs/gate.md). A counted loop, not a clock: the added instructions are the same on every run.
enum CalibrationSpin {
    static let iterations: Int = getenv("STRAIT_CALIBRATION_SPIN").flatMap { Int(String(cString: $0)) } ?? 0
    /// Where the loop's result goes, so the optimizer cannot drop the loop.
    nonisolated(unsafe) static var sink: UInt64 = 0

    @inline(never)
    static func spin() {
        var x = sink
        for i in 0..<iterations { x = x &* 6_364_136_223_846_793_005 &+ UInt64(truncatingIfNeeded: i) }
        sink = x
    }
}
#endif
