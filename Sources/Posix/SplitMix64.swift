/// The one seeded generator (SplitMix64): bootstrap intervals, load workloads, fuzzers and tar
/// trees are the same on every run and platform; `SystemRandomNumberGenerator` would make tests,
/// reports and fuzz cases flap.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= Self.golden
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `next() % n` (0 when n is 0): cheap, and the sequences recorded so far use it.
    public mutating func below(_ n: UInt64) -> UInt64 { n == 0 ? 0 : next() % n }

    /// `below` for Int bounds (0 when n <= 0).
    public mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}
