/// The workloads strait-load knows; names are part of its stable command line.
enum Workload: String, CaseIterable, Sendable {
    case getattr, lookup
    case createUnlink = "create-unlink"
    case readdir
    case read4k, randread4k, write4k, randwrite4k, read1m, write1m
    case daxRead4k = "dax-read4k"

    /// Bytes moved per operation (0 for metadata workloads).
    var blockSize: Int {
        switch self {
        case .read4k, .randread4k, .write4k, .randwrite4k, .daxRead4k: 4096
        case .read1m, .write1m: 1 << 20
        default: 0
        }
    }

    var isWrite: Bool { self == .write4k || self == .randwrite4k || self == .write1m }
    var isRead: Bool { self == .read4k || self == .randread4k || self == .read1m }
    var isRandom: Bool { self == .randread4k || self == .randwrite4k || self == .daxRead4k }

    /// DAX maps 2 MiB ranges, as the Linux guest does.
    static let daxChunk: UInt64 = 2 << 20
}

/// A seeded, lock-free-per-lane random generator (SplitMix64): runs are reproducible.
struct SplitMix: Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: UInt64) -> UInt64 { n == 0 ? 0 : next() % n }
}

import Synchronization

/// A shared sequential-offset counter for lanes and host threads.
final class SharedCounter: Sendable {
    private let value = Atomic<UInt64>(0)
    func next() -> UInt64 { value.wrappingAdd(1, ordering: .relaxed).oldValue }
}
