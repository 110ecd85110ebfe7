import VhostUserDriver
import FUSE
import Glibc
import Posix
import Synchronization
import VhostUser

extension ChainFuzzer {
    struct Outcome {
        var answered = false
        var finding: String?
        var note: String?
    }

    private static let next = RingLayout.DescriptorFlag.next
    private static let write = RingLayout.DescriptorFlag.write
    private static let indirect = RingLayout.DescriptorFlag.indirect

    /// Addresses no region holds, or ranges running off a region's end.
    func badRange(_ memory: GuestMemoryImage) -> (UInt64, UInt32) {
        let r = memory.regions
        let last = r[r.count - 1]
        let choices: [(UInt64, UInt32)] = [
            (0, 64), (r[0].guestPhysAddr - 4096, 64), (r[0].guestPhysAddr + r[0].size - 8, 64),
            (last.guestPhysAddr + last.size, 4096), (UInt64.max - 4095, 4096), (UInt64.max - 7, 64),
            (r[0].guestPhysAddr + r[0].size + 0x1000_0000, 128), (r[0].guestPhysAddr, UInt32.max),
        ]
        return choices[below(choices.count)]
    }

    func header(opcode: UInt32, len: UInt32, unique: UInt64) -> [UInt8] {
        FuseInHeader(len: len, opcode: opcode, unique: unique, nodeid: FuseProtocol.rootID,
                     uid: getuid(), gid: getgid(), pid: UInt32(getpid())).bytes
    }

    func runCase(_ kind: Kind, _ client: FuseClient, _ arena: GuestBuffer) -> Outcome {
        let memory = client.memory
        let a = arena.gpa
        let req = a, reply = a + 4096, table = a + 65536
        let getattr = header(opcode: FuseOpcode.getattr.rawValue, len: UInt32(FuseInHeader.size + FuseGetattrIn.size), unique: random())
            + FuseGetattrIn().bytes
        try? memory.write(getattr, at: req)
        let queue = client.frontend.queues[1]
        let free = queue.freeDescriptors
        guard free.count >= 8 else { return Outcome(finding: nil) }
        let ids = Array(free.suffix(8).reversed())
        let hdrLen = UInt32(getattr.count)
        var descs: [RawDescriptor] = []
        var capacity: UInt32 = 0
        func d(_ i: Int, _ addr: UInt64, _ len: UInt32, _ flags: UInt16 = 0, _ next: Int? = nil) -> RawDescriptor {
            RawDescriptor(index: ids[i], addr: addr, len: len, flags: flags | (next != nil ? Self.next : 0),
                          next: next.map { ids[$0] } ?? 0)
        }
        func tableEntries(_ entries: [(UInt64, UInt32, UInt16, UInt16)]) -> UInt32 {
            var bytes: [UInt8] = []
            for (addr, len, flags, next) in entries {
                var w = ByteWriter(capacity: 16)
                w.write(addr); w.write(len); w.write(flags); w.write(next)
                bytes += w.bytes
            }
            try? memory.write(bytes, at: table)
            return UInt32(bytes.count)
        }
        switch kind {
        case .outOfRegion:
            let (addr, len) = badRange(memory)
            if below(2) == 0 {
                descs = [d(0, addr, len, 0, 1), d(1, reply, 4096, Self.write)]
            } else {
                descs = [d(0, req, hdrLen, 0, 1), d(1, addr, len, Self.write)]
            }
        case .loop:
            descs = [d(0, req, hdrLen, 0, 1), d(1, reply, 16, Self.write, 2), d(2, reply + 16, 16, Self.write, below(2) == 0 ? 0 : 1)]
        case .zeroLength:
            descs = [d(0, req, 0, 0, 1), d(1, req, hdrLen, 0, 2), d(2, reply, 0, Self.write, 3), d(3, reply, 4096, Self.write)]
            if below(2) == 0 { descs = [d(0, req, 0, 0, 1), d(1, reply, 0, Self.write)] }
        case .hugeLength:
            descs = [d(0, req, below(2) == 0 ? UInt32.max : 0x8000_0000, 0, 1), d(1, reply, UInt32.max, Self.write)]
        case .wrongDirection:
            switch below(3) {
            case 0: descs = [d(0, req, hdrLen, Self.write, 1), d(1, reply, 4096, Self.write)]
            case 1: descs = [d(0, req, hdrLen, 0, 1), d(1, reply, 4096, 0)]
            default: descs = [d(0, req, 20, 0, 1), d(1, reply, 4096, Self.write, 2), d(2, req + 20, hdrLen - 20, 0)]
            }
        case .noWritable:
            descs = [d(0, req, hdrLen)]
        case .nextOutOfRange:
            descs = [d(0, req, hdrLen, 0, 1),
                     RawDescriptor(index: ids[1], addr: reply, len: 4096, flags: Self.write | Self.next, next: UInt16.max - UInt16(below(100)))]
        case .indirectBogus:
            let (addr, len) = badRange(memory)
            let choices: [(UInt64, UInt32)] = [(addr, len), (table, 0), (table, 17), (table, UInt32.max), (table, 16 * 70000)]
            _ = tableEntries([(req, hdrLen, Self.next, 1), (reply, 4096, Self.write, 0)])
            let (ta, tl) = choices[below(choices.count)]
            descs = [d(0, ta, tl, Self.indirect)]
        case .indirectNested:
            let len = tableEntries([(req, hdrLen, Self.next, 1), (table, 32, Self.indirect, 0)])
            descs = [d(0, table, len, Self.indirect)]
        case .indirectLoop:
            let len = tableEntries([(req, hdrLen, Self.next, 1), (reply, 16, Self.write | Self.next, 2), (reply + 16, 16, Self.write | Self.next, 1)])
            descs = [d(0, table, len, Self.indirect)]
        case .indirectWithNext:
            let len = tableEntries([(req, hdrLen, Self.next, 1), (reply, 4096, Self.write, 0)])
            descs = [d(0, table, len, Self.indirect, 1), d(1, reply, 4096, Self.write)]
        case .longIndirect:
            let n = 4096
            var entries: [(UInt64, UInt32, UInt16, UInt16)] = [(req, hdrLen, Self.next, 1)]
            for i in 1..<n { entries.append((reply + UInt64(i % 4096), 1, Self.write | (i < n - 1 ? Self.next : 0), UInt16(i + 1))) }
            let len = tableEntries(entries)
            descs = [d(0, table, len, Self.indirect)]
        case .garbageHeader, .truncatedHeader, .lengthMismatch, .randomOpcode:
            var bytes: [UInt8]
            switch kind {
            case .garbageHeader: bytes = (0..<(40 + below(200))).map { _ in UInt8(truncatingIfNeeded: random()) }
            case .truncatedHeader: bytes = Array(getattr.prefix(below(40)))
            case .lengthMismatch:
                let lens: [UInt32] = [0, 1, 39, 41, 1000, UInt32.max]
                bytes = header(opcode: FuseOpcode.getattr.rawValue, len: lens[below(lens.count)], unique: random()) + FuseGetattrIn().bytes
            default:
                let args = (0..<below(80)).map { _ in UInt8(truncatingIfNeeded: random()) }
                let op = UInt32(1 + below(52))
                // Never INIT (it would renegotiate) or DESTROY (it would end the session on purpose).
                let safe = op == FuseOpcode.`init`.rawValue || op == FuseOpcode.destroy.rawValue ? FuseOpcode.getattr.rawValue : op
                bytes = header(opcode: safe, len: UInt32(40 + args.count), unique: random()) + args
            }
            if bytes.isEmpty { bytes = [0] }
            try? memory.write(bytes, at: req)
            descs = [d(0, req, UInt32(bytes.count), 0, 1), d(1, reply, 4096, Self.write)]
            capacity = 4096
        }
        if capacity == 0 { capacity = descs.filter { $0.flags & Self.write != 0 && $0.flags & Self.indirect == 0 }.map(\.len).reduce(0, &+) }
        var outcome = execute(client, descs, head: ids[0], capacity: kind == .longIndirect || kind.rawValue.hasPrefix("indirect") ? UInt32.max : capacity)
        if kind == .loop, let f = outcome.finding, f.hasPrefix("used length") {
            outcome.finding = nil
            outcome.note = f + " (the looping chain was followed)"
        }
        return outcome
    }

    private func execute(_ client: FuseClient, _ descs: [RawDescriptor], head: UInt16, capacity: UInt32) -> Outcome {
        let done = Semaphore()
        let written = Mutex<UInt32?>(nil)
        let submitted = (try? client.submitRaw(queue: 1, descriptors: descs, head: head) { result in
            if case .success(let v) = result { written.withLock { $0 = v.written } }
            done.signal()
        }) ?? false
        guard submitted else { return Outcome() }
        guard done.wait(timeout: caseTimeout) else { return Outcome() }
        guard let n = written.withLock({ $0 }) else {
            return Outcome(answered: false, finding: "the used ring returned something the driver rejects")
        }
        if n > capacity { return Outcome(answered: true, finding: "used length \(n) exceeds the \(capacity) writable bytes") }
        return Outcome(answered: true)
    }
}
