/// Virtio device feature bits the daemon offers and the frontend acknowledges.
public enum VirtioFeature {
    public static let notifyOnEmpty: UInt64 = 1 << 24
    public static let anyLayout: UInt64 = 1 << 27
    /// vhost's "log all writes" bit: set while a migration wants dirty pages logged.
    public static let logAll: UInt64 = 1 << 26
    public static let ringIndirectDesc: UInt64 = 1 << 28
    public static let ringEventIdx: UInt64 = 1 << 29
    /// Not a virtio bit: vhost-user's marker that GET/SET_PROTOCOL_FEATURES exist.
    public static let protocolFeatures: UInt64 = 1 << 30
    public static let version1: UInt64 = 1 << 32
    public static let accessPlatform: UInt64 = 1 << 33
    public static let ringPacked: UInt64 = 1 << 34
    public static let inOrder: UInt64 = 1 << 35
}

/// vhost-user protocol feature bits.
public enum ProtocolFeature {
    public static let mq: UInt64 = 1 << 0
    public static let logShmfd: UInt64 = 1 << 1
    public static let rarp: UInt64 = 1 << 2
    public static let replyAck: UInt64 = 1 << 3
    public static let mtu: UInt64 = 1 << 4
    public static let backendReq: UInt64 = 1 << 5
    public static let crossEndian: UInt64 = 1 << 6
    public static let config: UInt64 = 1 << 9
    public static let backendSendFd: UInt64 = 1 << 10
    public static let hostNotifier: UInt64 = 1 << 11
    public static let inflightShmfd: UInt64 = 1 << 12
    public static let resetDevice: UInt64 = 1 << 13
    public static let inbandNotifications: UInt64 = 1 << 14
    public static let configureMemSlots: UInt64 = 1 << 15
    public static let status: UInt64 = 1 << 16
    /// GET_SHMEM_CONFIG and the backend's SHMEM_MAP/SHMEM_UNMAP (bit 22 in QEMU 11.1, where bit 21
    /// is GPA_ADDRESSES; some older rust-vmm code has them the other way round).
    public static let shmem: UInt64 = 1 << 22
}
