/// Messages the frontend (VMM) sends to the backend (daemon); QEMU docs/interop/vhost-user.rst.
public enum FrontendRequest: UInt32, Sendable, CaseIterable {
    case getFeatures = 1
    case setFeatures = 2
    case setOwner = 3
    case resetOwner = 4
    case setMemTable = 5
    case setLogBase = 6
    case setLogFd = 7
    case setVringNum = 8
    case setVringAddr = 9
    case setVringBase = 10
    case getVringBase = 11
    case setVringKick = 12
    case setVringCall = 13
    case setVringErr = 14
    case getProtocolFeatures = 15
    case setProtocolFeatures = 16
    case getQueueNum = 17
    case setVringEnable = 18
    case sendRarp = 19
    case netSetMtu = 20
    case setBackendReqFd = 21
    case iotlbMsg = 22
    case setVringEndian = 23
    case getConfig = 24
    case setConfig = 25
    case postcopyAdvise = 28
    case postcopyListen = 29
    case postcopyEnd = 30
    case getInflightFd = 31
    case setInflightFd = 32
    case resetDevice = 34
    case vringKick = 35
    case getMaxMemSlots = 36
    case addMemReg = 37
    case remMemReg = 38
    case setStatus = 39
    case getStatus = 40
    /// The sizes of the device's shared-memory regions (SHMEM protocol feature; QEMU 11.1).
    case getShmemConfig = 44

    /// Requests whose reply is part of the protocol, regardless of REPLY_ACK.
    public var hasReply: Bool {
        switch self {
        case .getFeatures, .getProtocolFeatures, .getVringBase, .getQueueNum, .getMaxMemSlots,
             .getConfig, .getInflightFd, .getStatus, .setLogBase, .getShmemConfig:
            return true
        default:
            return false
        }
    }
}

/// Messages the backend sends to the frontend on the backend-request channel.
/// SHMEM_MAP/SHMEM_UNMAP map file ranges into a shared-memory region (the virtio-fs DAX window
/// is shmid 0), as QEMU 11.1 speaks them. The older virtio-fs branch's FS_MAP/FS_UNMAP (6/7)
/// are not sent: QEMU now reads 6/7 as SHARED_OBJECT_ADD/REMOVE.
public enum BackendRequest: UInt32, Sendable {
    case iotlbMsg = 1
    case configChangeMsg = 2
    case vringHostNotifierMsg = 3
    case shmemMap = 9
    case shmemUnmap = 10
}

/// Header flags: version 1 in the low two bits, REPLY and NEED_REPLY above.
public enum MessageFlags {
    public static let version: UInt32 = 0x1
    public static let versionMask: UInt32 = 0x3
    public static let reply: UInt32 = 1 << 2
    public static let needReply: UInt32 = 1 << 3
}
