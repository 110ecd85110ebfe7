/// The request-queue axis as the guest and the daemons show it: Linux 6.11+ spreads requests over
/// a virtio-fs device's request queues per CPU; the harness checks from both ends that they were
/// used (the guest's interrupts per request virtqueue, straitd's requests served per queue).
extension Cell {
    /// Why this cell's daemon cannot serve its request queues, or nil. Both reference daemons set
    /// up hiprio plus one request queue (GET_QUEUE_NUM 2); a VMM that starts more rings than that
    /// loses the daemon (VhostUserDriverTests `PeerQueueTests` shows what each does).
    public var queuesUnsupportedReason: String? {
        guard requestQueues > 1, backend == .virtiofsdC || backend == .virtiofsdRust else { return nil }
        return "\(backend.rawValue) serves one request queue (GET_QUEUE_NUM = 2), not \(requestQueues)"
    }

    /// Guest shell: the virtio device behind mount tag `tag` (Linux 6.9+ links it from
    /// /sys/fs/virtiofs/N/device) and its /proc/interrupts lines. Prints `@@dev NAME` (empty on
    /// older kernels) and the lines; never fails.
    public static func guestQueueCommand(tag: String) -> String {
        "dev=; for d in /sys/fs/virtiofs/*; do [ \"$(cat $d/tag 2>/dev/null)\" = '\(tag)' ] && "
            + "dev=$(basename \"$(readlink -f $d/device)\"); done; echo \"@@dev $dev\"; "
            + "[ -n \"$dev\" ] && grep -E \" $dev-(hiprio|requests)\" /proc/interrupts; true"
    }

    /// Parses `guestQueueCommand`'s output: the device name and the interrupts per request
    /// virtqueue (summed over CPUs, in queue order); nil when the kernel does not show the device.
    public static func requestQueueInterrupts(_ output: String) -> (device: String, perQueue: [Int])? {
        let lines = output.split(separator: "\n").map(String.init)
        guard let devLine = lines.first(where: { $0.hasPrefix("@@dev ") }) else { return nil }
        let device = String(devLine.dropFirst(6)).trimmingSpaces
        guard !device.isEmpty else { return nil }
        var byQueue: [Int: Int] = [:]
        for line in lines where line.contains("\(device)-requests.") {
            guard let name = line.split(separator: " ").last,
                  let index = Int(name.split(separator: ".").last ?? "") else { continue }
            // "IRQ:  cpu0 cpu1 ... chip ... name": the counts are the integers after the IRQ.
            let counts = line.split(separator: " ").dropFirst().prefix { Int($0) != nil }.compactMap { Int($0) }
            byQueue[index, default: 0] += counts.reduce(0, +)
        }
        guard let top = byQueue.keys.max() else { return (device, []) }
        return (device, (0...top).map { byQueue[$0] ?? 0 })
    }

    /// straitd's "queue N stopped: M requests served" lines, request queues only (hiprio is 0),
    /// by queue index, summed over the ring's starts (a ring restarted by a memory change logs again).
    public static func servedPerQueue(daemonLog: String) -> [Int: Int] {
        var out: [Int: Int] = [:]
        for line in daemonLog.split(separator: "\n") {
            guard let r = line.range(of: "queue "), let s = line.range(of: " stopped: ", range: r.upperBound..<line.endIndex),
                  let e = line.range(of: " requests served", range: s.upperBound..<line.endIndex),
                  let q = Int(line[r.upperBound..<s.lowerBound]), let n = Int(line[s.upperBound..<e.lowerBound]) else { continue }
            if q > 0 { out[q, default: 0] += n }
        }
        return out
    }
}
