/// Byte layout of a split virtqueue (virtio 1.2, 2.7): shared by the backend's queue and the
/// in-repo frontend, so both sides agree by construction.
public enum RingLayout {
    public static let descriptorSize = 16
    public static let usedElementSize = 8
    /// Largest queue the spec allows.
    public static let maxQueueSize = 32768

    public enum DescriptorFlag {
        public static let next: UInt16 = 1
        public static let write: UInt16 = 2
        public static let indirect: UInt16 = 4
    }

    /// avail.flags bit: the driver asks not to be interrupted (ignored with EVENT_IDX).
    public static let availNoInterrupt: UInt16 = 1
    /// used.flags bit: the device asks not to be kicked (ignored with EVENT_IDX).
    public static let usedNoNotify: UInt16 = 1

    public static func descriptorTableBytes(_ size: Int) -> Int { descriptorSize * size }
    /// flags, idx, ring[size], used_event.
    public static func availBytes(_ size: Int) -> Int { 4 + 2 * size + 2 }
    /// flags, idx, ring[size] of (id, len), avail_event.
    public static func usedBytes(_ size: Int) -> Int { 4 + usedElementSize * size + 2 }
    public static func availRingOffset(_ slot: Int) -> Int { 4 + 2 * slot }
    public static func usedEventOffset(_ size: Int) -> Int { 4 + 2 * size }
    public static func usedRingOffset(_ slot: Int) -> Int { 4 + usedElementSize * slot }
    public static func availEventOffset(_ size: Int) -> Int { 4 + usedElementSize * size }

    public static func isValidSize(_ size: Int) -> Bool {
        size > 0 && size <= maxQueueSize && size & (size - 1) == 0
    }
}
