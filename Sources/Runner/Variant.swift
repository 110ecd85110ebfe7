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
enum VMPlan {
    static let maxDevices = 16

    /// `machine` names what a VM is (its VMM and image); slots of different machines never share one.
    static func groups(_ slots: [ShareSlot], machine: (ShareSlot) -> String = { _ in "" }) -> [[ShareSlot]] {
        var order: [String] = []
        var byMachine: [String: [ShareSlot]] = [:]
        for slot in slots {
            let key = machine(slot)
            if byMachine[key] == nil { order.append(key) }
            byMachine[key, default: []].append(slot)
        }
        var groups: [[ShareSlot]] = []
        for key in order {
            var current: [ShareSlot] = []
            for slot in byMachine[key] ?? [] {
                if current.count == maxDevices {
                    groups.append(current)
                    current = []
                }
                current.append(slot)
            }
            if !current.isEmpty { groups.append(current) }
        }
        return groups
    }
}
