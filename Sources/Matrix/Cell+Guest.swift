import Foundation

/// How a cell's configuration shows up in the daemon's command line and the guest's mount, so the
/// runner can set it up and then check it took effect before measuring anything.
extension Cell {
    /// The file system type /proc/mounts shows for this backend in the guest.
    public var guestFSType: String {
        switch backend {
        case .straitd, .virtiofsdC, .virtiofsdRust: "virtiofs"
        case .ninep: "9p"
        case .sshfs: "fuse.sshfs"
        case .native: "the guest's root file system"
        }
    }

    /// A straitd cell with DAX on: its VM needs the DAX QEMU and straitd a window (the peers have
    /// no DAX, so their DAX cells are `unsupported`, never run).
    public var mapsThroughWindow: Bool { dax != .off && backend == .straitd }

    /// Whether the cell's VM needs the QEMU 11.1 root: a DAX window or `vmm: qemu-11`.
    public var needsQEMU11: Bool { mapsThroughWindow || vmm == .qemu11 }

    /// Why this DAX cell cannot run: no DAX-capable QEMU installed (`daxVMM` nil), or nil.
    public func skipReason(daxVMM: String?) -> String? {
        guard dax != .off, daxVMM == nil else { return nil }
        return "DAX needs QEMU 11.1 (vhost-user SHMEM_MAP); run scripts/install-qemu-dax.sh"
    }

    /// Why a DAX cell's daemon cannot serve it, or nil: only straitd offers a window (SHMEM,
    /// GET_SHMEM_CONFIG, GET_CONFIG with the tag); both virtiofsd offer none, so QEMU's generic
    /// device cannot even realize against them, and they answer SETUPMAPPING with ENOSYS.
    public var daxUnsupportedReason: String? {
        guard dax != .off, backend != .straitd else { return nil }
        return "\(backend.rawValue) has no DAX window: no vhost-user SHMEM/CONFIG support, SETUPMAPPING answers ENOSYS"
    }

    /// Daemon arguments for the request-processing axis (empty for 9p and sshfs). straitd's
    /// `--processing` pins the mode; the C and Rust virtiofsd only know a pool size (0 = inline).
    public var processingArguments: [String] {
        guard let processing else { return [] }
        switch (backend, processing) {
        case (_, .inline): return ["--thread-pool-size=0"]
        case (.straitd, .pool(let n)): return ["--processing=pool", "--thread-pool-size=\(n)"]
        case (_, .pool(let n)): return ["--thread-pool-size=\(n)"]
        case (_, .autoSwitch(let t, let n)): return ["--processing=auto", "--thread-pool-size=\(n)", "--inline-threshold=\(t)"]
        }
    }

    /// sshfs mount options for the cache axis. `none` mirrors virtio-fs cache=none: no sshfs
    /// directory/attribute cache (`dir_cache=no`) and no kernel page cache (`direct_io`, which
    /// also makes shared mmap fail with ENODEV as on virtio-fs); `auto` is sshfs's defaults.
    public var sshfsCacheOptions: [String] {
        cache == "none" ? ["dir_cache=no", "direct_io"] : []
    }

    /// The guest's mount command for the share with `tag` (9p mount tag, virtio-fs tag; for sshfs
    /// the `user@host:dir` source). `connection` is sshfs's `-o` list for reaching the host
    /// (port, identity, known hosts); it goes before the cell's own options so those can override.
    public func mountCommand(tag: String, mountPoint: String, connection: [String] = []) -> [String] {
        switch backend {
        case .straitd, .virtiofsdC, .virtiofsdRust:
            return ["mount", "-t", "virtiofs"] + (dax.mountOption.map { ["-o", $0] } ?? []) + [tag, mountPoint]
        case .ninep:
            return ["mount", "-t", "9p", "-o", ninepMountOptions.joined(separator: ","), tag, mountPoint]
        case .native:
            return ["mkdir", "-p", mountPoint]
        case .sshfs:
            let o = connection + sshfsCacheOptions
            return ["sshfs"] + (o.isEmpty ? [] : ["-o", o.joined(separator: ",")]) + options + [tag, mountPoint]
        }
    }

    /// 9p mount options: the defaults, then the cell's options (`msize=16777216`, as a report ran
    /// it) replacing a default of the same name and adding the rest; `-o` words are dropped.
    /// `cache` stays the cell's axis.
    public var ninepMountOptions: [String] {
        var result = ["trans=virtio", "version=9p2000.L", "msize=512000", "cache=\(cache)"]
        func key(_ option: String) -> Substring { option.split(separator: "=", maxSplits: 1).first ?? Substring(option) }
        for option in options.flatMap({ $0.split(separator: ",").map(String.init) }) where option != "-o" && key(option) != "cache" {
            if let i = result.firstIndex(where: { key($0) == key(option) }) { result[i] = option } else { result.append(option) }
        }
        return result
    }

    /// What is wrong with the guest's mount of this cell's share, from /proc/mounts; empty when it
    /// is mounted as the cell says.
    public func mountProblems(procMounts: String, mountPoint: String) -> [String] {
        if backend == .native {
            // The workload must land on the guest's own disk: nothing may be mounted there.
            guard let entry = MountEntry.parse(procMounts).last(where: { $0.mountPoint == mountPoint }) else { return [] }
            return ["\(mountPoint) is a \(entry.fsType) mount, expected a directory of the guest's own disk"]
        }
        guard let entry = MountEntry.parse(procMounts).last(where: { $0.mountPoint == mountPoint }) else {
            return ["\(mountPoint) is not mounted"]
        }
        var problems: [String] = []
        if entry.fsType != guestFSType {
            problems.append("\(mountPoint) is \(entry.fsType), expected \(guestFSType)")
        }
        if backend.isVirtioFS {
            let shown = entry.options.first { $0 == "dax" || $0.hasPrefix("dax=") }
            let mode: Dax = switch shown {
            case nil, "dax=never"?: .off
            case "dax=inode"?: .inode
            default: .on
            }
            if mode != dax {
                problems.append("DAX \(dax.rawValue) requested but the mount shows \(shown ?? "no dax option") (\(entry.optionText))")
            }
        }
        if backend == .ninep {
            // Linux up to 6.5 shows a bare mode name (`loose`, `mmap`, `fscache`); 6.6+ `cache=...`.
            let shown = entry.options.first { $0.hasPrefix("cache=") }.map { String($0.dropFirst(6)) }
                ?? entry.options.first { ["loose", "mmap", "fscache"].contains($0) }
            if Self.ninepCacheName(shown) != cache {
                problems.append("9p cache is \(shown ?? "none"), expected \(cache) (\(entry.optionText))")
            }
            // A kernel clamps an msize its transport cannot carry (with only a log line): the
            // cell would measure another configuration than the one it names.
            let asked = ninepMountOptions.first { $0.hasPrefix("msize=") }
            let got = entry.options.first { $0.hasPrefix("msize=") }
            if let asked, let got, asked != got {
                problems.append("9p \(got), asked \(asked) (the guest kernel's transport limit?)")
            }
        }
        return problems
    }

    /// 9p shows its cache mode as a bare name up to Linux 6.5 (`,loose`) and as a bit mask from
    /// 6.6 (`cache=f`, `cache=0x5`); both read back to the mount option's name.
    static func ninepCacheName(_ shown: String?) -> String {
        guard let shown else { return "none" }
        let hex = shown.hasPrefix("0x") ? String(shown.dropFirst(2)) : shown
        if let bits = Int(hex, radix: 16), shown.allSatisfy({ $0.isHexDigit || $0 == "x" }) {
            switch bits {
            case 0: return "none"
            case 0b0101: return "mmap"
            case 0b1111: return "loose"
            default: return "0x" + String(bits, radix: 16)
            }
        }
        return shown
    }

    /// What is wrong with the guest's sshfs process for this cell, from its argv (one argument per
    /// element): the cache axis's options must be among its `-o` lists, and `auto` must not
    /// carry `none`'s. Empty for other backends.
    public func sshfsProblems(argv: [String]) -> [String] {
        guard backend == .sshfs else { return [] }
        guard !argv.isEmpty else { return ["no sshfs process serves the mount"] }
        var given: Set<String> = []
        for (i, arg) in argv.enumerated() {
            let list = arg == "-o" ? (i + 1 < argv.count ? argv[i + 1] : "") : arg.hasPrefix("-o") ? String(arg.dropFirst(2)) : ""
            for item in list.split(separator: ",") { given.insert(String(item)) }
        }
        let wanted = sshfsCacheOptions
        var problems = wanted.filter { !given.contains($0) }.map { "sshfs runs without -o \($0) (cache=\(cache))" }
        if wanted.isEmpty {
            problems += Cell(backend: .sshfs, cache: "none").sshfsCacheOptions.filter { given.contains($0) }
                .map { "sshfs runs with -o \($0) but cache=\(cache) wants sshfs defaults" }
        }
        return problems
    }

    /// What is wrong with a running daemon's command line (from /proc/PID/cmdline) for this cell:
    /// the cache mode and the processing arguments must be there.
    public func daemonProblems(argv: [String]) -> [String] {
        guard backend.isVirtioFS else { return [] }
        var problems: [String] = []
        let accepted = backend == .virtiofsdRust && cache == "none" ? ["none", "never"] : [cache]
        let caches = DaemonArgv.values(of: "cache", in: argv)
        if caches.isEmpty {
            problems.append("no cache option on the daemon's command line")
        } else if let last = caches.last, !accepted.contains(last) {
            problems.append("daemon runs with cache=\(last), expected \(cache)")
        }
        for argument in processingArguments + daxArguments(tag: "") where !argv.contains(where: { $0.hasPrefix(argument) }) {
            problems.append("daemon command line lacks \(argument)")
        }
        if mapsThroughWindow, let want = daxWindow, let last = Self.windowValues(argv).last, Self.windowSize(last) != want {
            problems.append("daemon offers a \(last) DAX window, expected \(want >> 20) MiB")
        }
        return problems
    }
}

/// One line of /proc/mounts.
public struct MountEntry: Sendable, Hashable {
    public var source: String
    public var mountPoint: String
    public var fsType: String
    public var options: [String]

    var optionText: String { options.joined(separator: ",") }

    /// Parses /proc/mounts, undoing the kernel's octal escapes (`\040` for a space).
    public static func parse(_ text: String) -> [MountEntry] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").map { unescape(String($0)) }
            guard fields.count >= 4 else { return nil }
            return MountEntry(
                source: fields[0], mountPoint: fields[1], fsType: fields[2],
                options: fields[3].split(separator: ",").map(String.init))
        }
    }

    static func unescape(_ field: String) -> String {
        let bytes = Array(field.utf8)
        var out: [UInt8] = []
        var i = 0
        func octal(_ b: UInt8) -> UInt8? { (48...55).contains(b) ? b - 48 : nil }
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 4 <= bytes.count,
                let a = octal(bytes[i + 1]), let b = octal(bytes[i + 2]), let c = octal(bytes[i + 3]), a <= 3 {
                out.append(a << 6 | b << 3 | c)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Reading options back from a daemon's argv in any of the styles virtiofsd accepts.
enum DaemonArgv {
    /// Values of `key` from `-o a,key=v`, `-okey=v`, `--key=v` and `--key v`, in order.
    static func values(of key: String, in argv: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < argv.count {
            let arg = argv[i]
            var list: String?
            if arg == "-o", i + 1 < argv.count {
                list = argv[i + 1]
                i += 1
            } else if arg.hasPrefix("-o"), !arg.hasPrefix("--") {
                list = String(arg.dropFirst(2))
            } else if arg.hasPrefix("--\(key)=") {
                out.append(String(arg.dropFirst(key.count + 3)))
            } else if arg == "--\(key)", i + 1 < argv.count {
                out.append(argv[i + 1])
                i += 1
            }
            for item in list?.split(separator: ",") ?? [] where item.hasPrefix("\(key)=") {
                out.append(String(item.dropFirst(key.count + 1)))
            }
            i += 1
        }
        return out
    }
}
