import Matrix

/// A daemon under test: `run` for a plain run, `baseline` and `candidate` in a gate. Each variant
/// has its own straitd binary and its own run document.
public struct Variant: Sendable, Hashable {
    public var name: String
    public var binaries: DaemonBinaries
    /// The straitd commit the binary was built from, when known.
    public var straitdSHA: String?
    /// `debug` or `release`, as the binary reported it; nil when it could not say.
    public var straitdBuild: String?

    public init(name: String, binaries: DaemonBinaries, straitdSHA: String? = nil, straitdBuild: String? = nil) {
        self.name = name
        self.binaries = binaries
        self.straitdSHA = straitdSHA
        self.straitdBuild = straitdBuild
    }

    /// A variant of one straitd binary whose commit and build are asked of the binary itself
    /// (`GitInfo.build(ofBinary:)`); `sha` stands in for the commit when the binary cannot name it.
    public static func straitd(_ name: String, binary: String, sha: String? = nil) -> Variant {
        let build = GitInfo.build(ofBinary: binary)
        return Variant(name: name, binaries: DaemonBinaries(straitd: binary), straitdSHA: build.commit ?? sha,
                       straitdBuild: build.configuration)
    }
}


/// One share in a VM: a cell served to the guest for one variant, with its own host directory,
/// daemon (virtio-fs) and mount point. Every share of a VM exists from boot, so moving from cell
/// to cell is an unmount and a mount, never a reboot.
struct ShareSlot: Sendable {
    let variant: Variant
    let cell: Cell
    /// Short, unique within the run: the mount tag, socket and directory names derive from it.
    let key: String
    var tag: String { key }
    var mountPoint: String { "/mnt/" + key }
}

/// Which shares boot together. virtio-fs cells of every backend and 9p cells share one VM (each
/// is its own device) when they ask for the same VM: the same VMM and guest image (the `vmm` and
/// `image` axes); a VM holds at most `maxDevices` devices, so a big matrix takes a few boots.
///
/// A DAX cell's window is not private to its device. QEMU 11.1 puts every SHMEM_MAP mapping (an
/// fd-backed RAM section) into the memory table of *every* vhost-user device of the VM, so a
/// busy window adds up to window / 2 MiB regions to its neighbours. The C virtiofsd (QEMU 7.2's
/// libvhost-user) has 32 slots and panics beyond them ("no free ram slots"), and QEMU then
/// crashed (seed-2020 quick, bundle docs/results/bundles/s2020-q-s2-qemu-crash): one cell's
/// window killed another cell's daemon and the VM. So a window cell shares its VM only with
/// window cells, and their windows together stay within straitd's memory slots.
enum VMPlan {
    static let maxDevices = 16
    /// The 2 MiB ranges of all windows in one VM: straitd offers 509 slots (GET_MAX_MEM_SLOTS,
    /// VhostUser.Backend.maxMemSlots) and the guest's RAM takes a few; the rest is headroom.
    static let windowRangesPerVM: UInt64 = 480

    /// The regions a slot's window can add to each vhost-user table of its VM, nil without one.
    static func windowRanges(_ slot: ShareSlot) -> UInt64? {
        guard slot.cell.mapsThroughWindow else { return nil }
        return max(1, (slot.cell.daxWindow ?? Cell.defaultDaxWindow) / (2 << 20))
    }

    /// `machine` names what a VM is (its VMM and image); slots of different machines never share one.
    static func groups(_ slots: [ShareSlot], machine: (ShareSlot) -> String = { _ in "" }) -> [[ShareSlot]] {
        var order: [String] = []
        var byMachine: [String: [ShareSlot]] = [:]
        for slot in slots {
            let key = machine(slot) + (windowRanges(slot) == nil ? "" : "|window")
            if byMachine[key] == nil { order.append(key) }
            byMachine[key, default: []].append(slot)
        }
        var groups: [[ShareSlot]] = []
        for key in order {
            var current: [ShareSlot] = []
            var ranges: UInt64 = 0
            for slot in byMachine[key] ?? [] {
                let adds = windowRanges(slot) ?? 0
                if current.count == maxDevices || (!current.isEmpty && ranges + adds > windowRangesPerVM) {
                    groups.append(current)
                    current = []
                    ranges = 0
                }
                current.append(slot)
                ranges += adds
            }
            if !current.isEmpty { groups.append(current) }
        }
        return groups
    }
}
