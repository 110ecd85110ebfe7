/// Linux capabilities by number, as `--modcaps` names them (`chown`, `sys_admin`, with or
/// without `cap_`, any case), and the set straitd keeps while serving.
public enum Capability {
    /// capability.h's order: the index is the capability's number.
    public static let names = [
        "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
        "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
        "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
        "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
        "lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
        "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
    ]

    public static func number(_ name: String) -> Int? {
        var n = name.lowercased()
        if n.hasPrefix("cap_") { n.removeFirst(4) }
        return names.firstIndex(of: n)
    }

    /// What serving needs, as both virtiofsd keep it (CapEff 0x880000db): ownership and modes of
    /// guest files (CHOWN, FOWNER, FSETID, SETFCAP), the guest's permissions through fsuid/fsgid
    /// (SETUID, SETGID), DAC_OVERRIDE for files the guest may reach but the daemon's uid may not,
    /// and MKNOD for the guest's device nodes (never opened; the share is nodev).
    public static let serving: Set<Int> = [0, 1, 3, 4, 6, 7, 27, 31]
    /// open_by_handle_at needs DAC_READ_SEARCH (`--inode-file-handles`), as the Rust virtiofsd adds it.
    public static let dacReadSearch = 2
}

/// One `+name` or `-name` of `--modcaps=+sys_admin:-chown`.
public struct CapabilityChange: Sendable, Equatable {
    public var add: Bool
    public var capability: Int

    public init(add: Bool, capability: Int) {
        self.add = add
        self.capability = capability
    }

    static func parseList(_ text: String, option: String) throws(OptionsError) -> [CapabilityChange] {
        var changes: [CapabilityChange] = []
        for item in text.split(separator: ":", omittingEmptySubsequences: false) {
            guard let sign = item.first, sign == "+" || sign == "-",
                  let number = Capability.number(String(item.dropFirst())) else {
                throw OptionsError(.invalidValue, "invalid value '\(text)' for '\(option)' (+name or -name, separated by ':', e.g. +sys_admin:-chown)")
            }
            changes.append(CapabilityChange(add: sign == "+", capability: number))
        }
        return changes
    }

    /// The serving set after `changes`, in order.
    public static func apply(_ changes: [CapabilityChange], to base: Set<Int>) -> Set<Int> {
        var set = base
        for c in changes {
            if c.add { set.insert(c.capability) } else { set.remove(c.capability) }
        }
        return set
    }
}
