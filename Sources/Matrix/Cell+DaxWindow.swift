import Foundation
import Posix

/// A DAX cell's window: its size (a matrix's `dax-window:`, or `--dax-window=` in a cell's
/// options), straitd's arguments for it, and the evidence the runner reads that it was used.
extension Cell {
    /// The window when the matrix names none: 256 MiB, the size seen working with QEMU 11.1 here
    /// (the shared-memory BAR went below 4 GiB, 0xe0000000); a 1 GiB BAR may not fit q35's
    /// 32-bit PCI hole beside the runner's 1 GiB of RAM.
    public static let defaultDaxWindow: UInt64 = 256 << 20

    /// The window this cell's straitd offers: the last `--dax-window=SIZE` or `-o dax_window=SIZE`
    /// in its options (the matrix's `dax-window:` puts one there), else the default; nil when that
    /// size is not one straitd takes.
    public var daxWindow: UInt64? {
        guard let text = Self.windowValues(options).last else { return Self.defaultDaxWindow }
        return Self.windowSize(text)
    }

    /// Why this cell's window option cannot work, or nil (part of `invalidReason`).
    var daxWindowProblem: String? {
        guard let text = Self.windowValues(options).last else { return nil }
        if !mapsThroughWindow { return "a DAX window (\(text)) on a cell that maps nothing through one" }
        if Self.windowSize(text) == nil { return "DAX window '\(text)' is not a multiple of 2M up to 64G" }
        return nil
    }

    /// The window values in an argument list, both spellings, in order.
    static func windowValues(_ argv: [String]) -> [String] {
        DaemonArgv.values(of: "dax-window", in: argv) + DaemonArgv.values(of: "dax_window", in: argv)
    }

    /// A window size as straitd reads it (`1G`, `512M`, `262144K`, bytes): a multiple of 2 MiB,
    /// at most 64 GiB; nil otherwise. straitd's own parser, so the two never disagree.
    public static func windowSize(_ text: String) -> UInt64? { DaxWindowSize.bytes(text) }

    /// straitd's arguments for the DAX axis: the default window unless the options name one, and
    /// the tag the generic device reads.
    public func daxArguments(tag: String) -> [String] {
        guard mapsThroughWindow else { return [] }
        let window = Self.windowValues(options).isEmpty ? ["--dax-window=\(Self.defaultDaxWindow >> 20)M"] : []
        return window + ["--tag=\(tag)"]
    }

    /// Whether the guest's /proc/iomem shows a DAX window of `size` bytes: the virtio-fs driver
    /// claims the shared-memory region under the device's name (`e0000000-efffffff : virtio0`).
    public static func iomemShowsWindow(_ iomem: String, size: UInt64) -> Bool {
        !iomemWindowLines(iomem, size: size).isEmpty
    }

    /// The /proc/iomem lines of such windows, trimmed (one per DAX device of that size: the guest
    /// does not say which device a mount uses, so with two DAX shares in a VM both are listed).
    public static func iomemWindowLines(_ iomem: String, size: UInt64) -> [String] {
        iomem.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { line in
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[1].hasPrefix("virtio"), !parts[1].hasPrefix("virtio-pci") else { return false }
            let bounds = parts[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
            return bounds.count == 2 && bounds[1] >= bounds[0] && bounds[1] - bounds[0] + 1 == size
        }
    }

    /// The largest map count straitd logged: its `DAX maps=N ...` lines (at powers of two) and
    /// its exit line `DAX window at exit: maps=N unmaps=M page_roundings=K failures=F
    /// empty_chunks=E refusals=R`. StraitdDaxTests reads a real straitd's log with this, so a change of
    /// straitd's wording fails there, not as a zero in a run.
    public static func daxMapCount(daemonLog: String) -> UInt64 {
        daemonLog.split(separator: "\n").compactMap { line -> UInt64? in
            guard line.contains("DAX"), let r = line.range(of: "maps=") else { return nil }
            return UInt64(line[r.upperBound...].prefix { $0.isNumber })
        }.max() ?? 0
    }
}
