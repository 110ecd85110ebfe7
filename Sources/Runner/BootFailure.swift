/// Whom a VM that never became ready is blamed on. Under TCG on a loaded 2-core machine a guest
/// can print its ready marker and still not answer SSH within the boot timeout, or libvirt can fail
/// to create the domain: every share of that VM then measured nothing, and until this was told
/// apart each of them was a correctness failure, so a gate of two identical binaries blocked for
/// the machine. The rule: a share whose daemon had already exited failed (it may well be why the
/// VM did not come up: QEMU drops a vhost-user device whose backend went away); every other share
/// failed for the machine (`CellResult.infrastructure`), which a gate makes incomparable, never a
/// pass and never a block. A daemon that stays alive but stalls the vhost-user handshake so the
/// guest never boots is indistinguishable from a slow machine here: incomparable too (docs/gate.md).
enum BootFailure {
    struct Blame: Equatable {
        /// True: the machine's failure, not this share's daemon's.
        var infrastructure: Bool
        var reason: String
    }

    /// One blame per share, in order. `exited[i]` names share i's daemon when it had exited
    /// (e.g. "straitd"), nil when it is running or the share has no daemon of its own.
    static func blame(_ what: String, exited: [String?]) -> [Blame] {
        let dead = exited.compactMap { $0 }
        return exited.map { daemon in
            if let daemon { return Blame(infrastructure: false, reason: "\(daemon) exited before the VM was ready (\(what))") }
            let why = dead.isEmpty ? "every daemon of the VM still running" : "another share's daemon (\(dead.joined(separator: ", "))) exited"
            return Blame(infrastructure: true, reason: "VM infrastructure, not this daemon: \(what) (\(why))")
        }
    }
}
