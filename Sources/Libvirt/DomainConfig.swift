/// A typed description of a test VM, rendered to libvirt domain XML by `xml()`.
/// Only what the harness needs: direct kernel boot, one qcow2 disk, shared file-backed memory,
/// user-mode networking with SSH forwarded to 127.0.0.1, a serial console in a file, shares.
public struct DomainConfig: Sendable, Equatable {
    /// `qemu` is TCG; `kvm` needs a KVM that actually boots guests (see the accelerator probe).
    public enum Accelerator: String, Sendable, Equatable { case qemu, kvm }

    public var name: String
    public var accelerator: Accelerator = .qemu
    public var vcpus: Int = 2
    public var memoryMiB: Int = 1024
    public var kernel: String
    public var initrd: String?
    public var cmdline: String = "root=/dev/vda rw console=ttyS0"
    /// The per-VM overlay; its backing file is the cached image.
    public var disk: String
    public var diskFormat: String = "qcow2"
    /// Host port on 127.0.0.1 forwarded to the guest's port 22; nil means no network.
    public var sshPort: Int?
    /// File that receives everything the guest writes to its serial console.
    public var consoleLog: String
    public var filesystems: [Filesystem] = []
    /// Run QEMU as root for this domain and skip relabelling, so sockets, overlays and logs under
    /// /tmp need no ownership games. A test harness trade-off, kept explicit.
    public var runAsRoot: Bool = true
    /// QEMU binary; nil lets libvirt pick its default emulator.
    public var emulator: String?
    /// A reset (guest reboot or virDomainReset) boots again instead of ending the domain: for
    /// tests that reboot on purpose; otherwise a rebooting guest is a failure to see.
    public var restartOnReboot = false

    public init(name: String, kernel: String, initrd: String?, disk: String, consoleLog: String) {
        self.name = name
        self.kernel = kernel
        self.initrd = initrd
        self.disk = disk
        self.consoleLog = consoleLog
    }
}

/// A shared directory exported to the guest.
public struct Filesystem: Sendable, Equatable {
    public enum Backend: Sendable, Equatable {
        /// vhost-user-fs to a daemon we started ourselves on `socket`.
        case virtiofsSocket(socket: String, queueSize: Int)
        /// libvirt starts the daemon at `binary` itself (9.0 passes `--fd=N -o source=...`).
        case virtiofsBinary(binary: String, source: String, cache: String?, xattr: Bool, queueSize: Int)
        /// vhost-user-fs with a DAX window, to a daemon we started on `socket`: QEMU 11.1's generic
        /// vhost-user device (virtio-id 26, hiprio + one request queue, the 40-byte virtio-fs
        /// config from the daemon), which libvirt 9.0 has no element for, so it goes through
        /// `<qemu:commandline>`. The window's size is the daemon's (GET_SHMEM_CONFIG).
        case virtiofsDaxSocket(socket: String)
        /// vhost-user-fs-pci with `num-request-queues` to a daemon we started on `socket`: libvirt
        /// 9.0 has no attribute for it, so the device goes through `<qemu:commandline>` like the
        /// DAX shares (same pcie.0 slots). Linux 6.11+ spreads requests over the queues per CPU.
        case virtiofsQueuesSocket(socket: String, queueSize: Int, requestQueues: Int)
        /// virtio-9p served by QEMU; accessmode passthrough|mapped|squash.
        case ninep(source: String, accessMode: String, readOnly: Bool)
    }

    public var backend: Backend
    /// The mount tag the guest uses (`mount -t virtiofs TAG /mnt/share`).
    public var tag: String

    public init(_ backend: Backend, tag: String) {
        self.backend = backend
        self.tag = tag
    }

    public var isVirtiofs: Bool {
        if case .ninep = backend { return false }
        return true
    }
}
