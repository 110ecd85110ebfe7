import CLibvirt
import Glibc
import Synchronization

/// An open connection to a libvirt daemon (`qemu:///system` unless told otherwise).
public final class Connection: Sendable {
    public static let defaultURI = "qemu:///system"
    public let uri: String
    /// libvirt connections are thread-safe; the lock serialises our calls anyway.
    private nonisolated(unsafe) let ptr: virConnectPtr
    private let lock = Mutex(())

    public init(uri: String = Connection.defaultURI) throws(LibvirtError) {
        self.uri = uri
        // libvirt prints every error to stderr by default; we report them ourselves.
        virSetErrorFunc(nil) { _, _ in }
        guard let ptr = virConnectOpen(uri) else {
            throw LibvirtError(.connect, "cannot open \(uri): \(Connection.lastError())")
        }
        self.ptr = ptr
    }

    deinit { virConnectClose(ptr) }

    /// The last error libvirt recorded on this thread, as text.
    static func lastError() -> String {
        guard let message = virGetLastErrorMessage() else { return "unknown error" }
        return String(cString: message)
    }

    func withHandle<T>(_ body: (virConnectPtr) throws(LibvirtError) -> T) throws(LibvirtError) -> T {
        try lock.withLock { _ throws(LibvirtError) in try body(ptr) }
    }

    /// libvirt's and the hypervisor's versions, as "major.minor.micro".
    public func versions() throws(LibvirtError) -> (libvirt: String, hypervisor: String) {
        try withHandle { ptr throws(LibvirtError) in
            var lib: UInt = 0
            var hv: UInt = 0
            guard virConnectGetLibVersion(ptr, &lib) == 0, virConnectGetVersion(ptr, &hv) == 0 else {
                throw LibvirtError(.query, Connection.lastError())
            }
            return (Self.format(lib), Self.format(hv))
        }
    }

    static func format(_ v: UInt) -> String { "\(v / 1_000_000).\(v / 1000 % 1000).\(v % 1000)" }

    /// Creates and starts a transient domain: it disappears when destroyed or shut down.
    public func createTransient(_ config: DomainConfig) throws(LibvirtError) -> Domain {
        try createTransient(xml: config.xml())
    }

    public func createTransient(xml: String) throws(LibvirtError) -> Domain {
        try withHandle { ptr throws(LibvirtError) in
            guard let dom = virDomainCreateXML(ptr, xml, 0) else {
                throw LibvirtError(.define, Connection.lastError())
            }
            return Domain(dom)
        }
    }

    /// Every domain (running or defined) whose name starts with `prefix`.
    public func domains(prefix: String = "") throws(LibvirtError) -> [Domain] {
        try withHandle { ptr throws(LibvirtError) in
            var list: UnsafeMutablePointer<virDomainPtr?>? = nil
            let count = virConnectListAllDomains(ptr, &list, 0)
            guard count >= 0 else { throw LibvirtError(.query, Connection.lastError()) }
            defer { free(list) }
            var result: [Domain] = []
            for i in 0..<Int(count) {
                guard let dom = list?[i] else { continue }
                let domain = Domain(dom)
                if domain.name.hasPrefix(prefix) { result.append(domain) }
            }
            return result
        }
    }

    /// The domain called `name`, or nil when there is none.
    public func domain(named name: String) -> Domain? {
        guard let dom = try? withHandle({ ptr in virDomainLookupByName(ptr, name) }) else {
            virResetLastError()
            return nil
        }
        return Domain(dom)
    }
}
