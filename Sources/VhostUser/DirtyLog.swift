import CShims
import Synchronization

/// The dirty-page log of a live migration (LOG_SHMFD + VHOST_F_LOG_ALL): while the frontend has
/// logging on, every guest page the daemon writes (reply buffers, used rings) is marked, one bit
/// per 4 KiB page, so the VMM re-sends it. Shared by the backend and every running ring, because
/// logging starts and stops while rings run.
public final class DirtyLog: Sendable {
    public static let pageSize: UInt64 = 4096
    private let mapping = Mutex<LogMapping?>(nil)
    private let active = Atomic<Bool>(false)

    public init() {}

    /// Whether writes are being logged now.
    public var isActive: Bool { active.load(ordering: .acquiring) }

    func setLogging(_ on: Bool) { active.store(on, ordering: .releasing) }

    func setMapping(_ new: LogMapping?) { mapping.withLock { $0 = new } }

    /// Marks the pages of guest range [address, address+length).
    public func mark(guest address: UInt64, length: UInt64) {
        guard length > 0, isActive else { return }
        mapping.withLock { log in
            guard let log else { return }
            let first = address / Self.pageSize
            let last = (address &+ length &- 1) / Self.pageSize
            guard last >= first else { return }
            for page in first...last {
                let byte = page / 8
                guard byte < UInt64(log.length) else { return }
                strait_atomic_or_u8(log.base + Int(byte), UInt8(1 << (page % 8)))
            }
        }
    }

    /// Marks what the device wrote into a chain's writable buffers (their first `written` bytes).
    public func mark(writable: [UnsafeMutableRawBufferPointer], written: Int, memory: GuestMemory) {
        guard isActive, written > 0 else { return }
        var left = written
        for buffer in writable where left > 0 {
            let count = min(buffer.count, left)
            if let base = buffer.baseAddress, let gpa = memory.guestAddress(ofHost: UnsafeRawPointer(base)) {
                mark(guest: gpa, length: UInt64(count))
            }
            left -= count
        }
    }
}
