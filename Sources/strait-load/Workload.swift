import Posix
import Synchronization

/// The workloads strait-load knows; names are part of its stable command line.
enum Workload: String, CaseIterable, Sendable {
    case getattr, lookup
    case createUnlink = "create-unlink"
    case mkdirRmdir = "mkdir-rmdir"
    case readdir
    case read4k, randread4k, write4k, randwrite4k, read1m, write1m
    case daxRead4k = "dax-read4k"
    case metaCreate = "meta-create"
    case metaRm = "meta-rm"

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

extension SplitMix64 {
    /// Lane or host thread `index`'s generator: runs are reproducible, lanes independent. (The
    /// golden-ratio step in the seed keeps the sequences strait-load recorded before it shared
    /// the one generator.)
    static func lane(seed: UInt64, index: Int) -> SplitMix64 {
        SplitMix64(seed: seed &+ UInt64(index) &* 7919 &+ SplitMix64.golden)
    }
}


/// A shared sequential-offset counter for lanes and host threads.
final class SharedCounter: Sendable {
    private let value = Atomic<UInt64>(0)
    func next() -> UInt64 { value.wrappingAdd(1, ordering: .relaxed).oldValue }
}
