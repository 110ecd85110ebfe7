/// The size of a DAX window as written on a command line or in a matrix (`1G`, `512M`,
/// `262144K`, plain bytes; binary suffixes). One parser for straitd's `--dax-window` and the
/// harness's `dax-window:`, so a size the matrix accepts is always one straitd takes.
public enum DaxWindowSize {
    /// The largest window: 64 GiB, far above any guest's PCI hole.
    public static let maximum: UInt64 = 64 << 30

    /// Bytes, when `text` is a multiple of 2 MiB (the guest's mapping unit) up to `maximum`; nil
    /// otherwise.
    public static func bytes(_ text: String) -> UInt64? {
        var digits = Substring(text)
        var unit: UInt64 = 1
        switch digits.last.map({ Character($0.uppercased()) }) {
        case "K": unit = 1 << 10; digits = digits.dropLast()
        case "M": unit = 1 << 20; digits = digits.dropLast()
        case "G": unit = 1 << 30; digits = digits.dropLast()
        default: break
        }
        guard let n = UInt64(digits) else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: unit)
        guard !overflow, bytes > 0, bytes % (2 << 20) == 0, bytes <= maximum else { return nil }
        return bytes
    }
}
