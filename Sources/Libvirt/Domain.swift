import CLibvirt
import Glibc
import Synchronization

/// A libvirt domain handle. Freed in deinit; the domain itself lives on until destroyed.
public final class Domain: Sendable {
    /// The states libvirt reports, reduced to what a harness acts on.
    public enum State: String, Sendable, Equatable {
        case noState, running, blocked, paused, shutdown, shutoff, crashed, suspended, unknown
    }

    public let name: String
    /// libvirt handles are reference counted and thread-safe; the lock serialises our calls anyway.
    private nonisolated(unsafe) let ptr: virDomainPtr
    private let lock = Mutex(())

    init(_ ptr: virDomainPtr) {
        name = virDomainGetName(ptr).map { String(cString: $0) } ?? "?"
        self.ptr = ptr
    }

    deinit { virDomainFree(ptr) }

    private func withHandle<T>(_ body: (virDomainPtr) throws(LibvirtError) -> T) throws(LibvirtError) -> T {
        try lock.withLock { _ throws(LibvirtError) in try body(ptr) }
    }

    public func state() throws(LibvirtError) -> State {
        try withHandle { ptr throws(LibvirtError) in
            var state: Int32 = 0
            var reason: Int32 = 0
            guard virDomainGetState(ptr, &state, &reason, 0) == 0 else {
                throw LibvirtError(.query, "\(name): \(Connection.lastError())")
            }
            switch UInt32(state) {
            case VIR_DOMAIN_NOSTATE.rawValue: return .noState
            case VIR_DOMAIN_RUNNING.rawValue: return .running
            case VIR_DOMAIN_BLOCKED.rawValue: return .blocked
            case VIR_DOMAIN_PAUSED.rawValue: return .paused
            case VIR_DOMAIN_SHUTDOWN.rawValue: return .shutdown
            case VIR_DOMAIN_SHUTOFF.rawValue: return .shutoff
            case VIR_DOMAIN_CRASHED.rawValue: return .crashed
            case VIR_DOMAIN_PMSUSPENDED.rawValue: return .suspended
            default: return .unknown
            }
        }
    }

    /// The live XML (with libvirt's additions: PCI addresses, aliases, the pty paths).
    public func xml() throws(LibvirtError) -> String {
        try withHandle { ptr throws(LibvirtError) in
            guard let text = virDomainGetXMLDesc(ptr, 0) else {
                throw LibvirtError(.query, "\(name): \(Connection.lastError())")
            }
            defer { free(text) }
            return String(cString: text)
        }
    }

    /// Asks the guest to power off (ACPI); returns at once.
    public func shutdown() throws(LibvirtError) {
        try withHandle { ptr throws(LibvirtError) in
            guard virDomainShutdown(ptr) == 0 else {
                throw LibvirtError(.lifecycle, "shutdown \(name): \(Connection.lastError())")
            }
        }
    }

    /// Resets the guest as a power cycle would (QEMU's system_reset): devices are reset and the
    /// guest boots again in the same QEMU, talking to the same vhost-user backends.
    public func reset() throws(LibvirtError) {
        try withHandle { ptr throws(LibvirtError) in
            guard virDomainReset(ptr, 0) == 0 else {
                throw LibvirtError(.lifecycle, "reset \(name): \(Connection.lastError())")
            }
        }
    }

    /// Stops the domain now (SIGTERM, then SIGKILL to QEMU). A transient domain is gone afterwards.
    public func destroy() throws(LibvirtError) {
        try withHandle { ptr throws(LibvirtError) in
            guard virDomainDestroy(ptr) == 0 else {
                throw LibvirtError(.lifecycle, "destroy \(name): \(Connection.lastError())")
            }
        }
    }

    /// Removes a persistent definition (leftovers of someone's `virsh define`); no-op for transient ones.
    public func undefine() throws(LibvirtError) {
        try withHandle { ptr throws(LibvirtError) in
            guard virDomainUndefine(ptr) == 0 else {
                throw LibvirtError(.lifecycle, "undefine \(name): \(Connection.lastError())")
            }
        }
    }

    /// True while the domain is active (libvirt still has a QEMU for it).
    public func isActive() -> Bool {
        (try? withHandle { ptr in virDomainIsActive(ptr) == 1 }) ?? false
    }
}
