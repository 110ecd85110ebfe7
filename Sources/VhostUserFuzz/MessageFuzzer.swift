import VhostUserDriver
import CShims
import Glibc
import Posix
import VhostUser
import Wire

/// Seeded-random malformed vhost-user messages: each case connects, replays a random valid
/// prefix of the setup, sends one hostile message, probes with GET_FEATURES, and hangs up.
/// The daemon may refuse, reply with an error or drop the connection; crashing is a finding.
public final class MessageFuzzer {
    public enum Kind: String, CaseIterable, Sendable {
        case unknownRequest, truncatedPayload, oversizedHeader, badVersion, garbage
        case memTableCount, memTableRegion, memTableFds, vringNum, vringAddr, vringFile
        case vringIndex, features, memRegion, backendFd
    }

    let target: FuzzedDaemon
    var rng: SplitMix64

    public init(target: FuzzedDaemon, seed: UInt64) {
        self.target = target
        rng = SplitMix64(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    func random() -> UInt64 { rng.next() }

    func below(_ n: Int) -> Int { rng.below(n) }

    public func run(cases: Int) throws(DriverError) -> FuzzReport {
        var report = FuzzReport()
        let memory = try GuestMemoryImage(layout: GuestMemoryLayout(size: 8 << 20, regionCount: 2))
        for n in 0..<cases {
            let kind = Kind.allCases[below(Kind.allCases.count)]
            report.cases += 1
            report.byKind[kind.rawValue, default: 0] += 1
            let path: String
            do { path = try target.socketPath() } catch {
                report.findings.append("before case \(n) (\(kind.rawValue)): \(error)")
                break
            }
            let fd = try UnixSocket.connect(path: path, timeout: 10)
            var tv = timeval(tv_sec: 0, tv_usec: 300_000)
            setsockopt(fd.rawValue, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let channel = Channel(fd: fd)
            prefix(channel, memory, steps: below(7))
            hostile(kind, channel, memory)
            // Probe: an answer means the daemon carried on; silence or a hang-up are both fine.
            if (try? channel.send(request: FrontendRequest.getFeatures.rawValue)) != nil, (try? channel.receive()) != nil {
                report.answered += 1
            }
            shutdown(fd.rawValue, Int32(SHUT_RDWR))
            (target as? ProcessFuzzTarget)?.settle()
            if let crash = target.crashDescription() {
                report.findings.append("case \(n) (\(kind.rawValue)): \(crash)")
                break
            }
        }
        return report
    }

    private func u64(_ v: UInt64) -> [UInt8] {
        var w = ByteWriter(capacity: 8)
        w.write(v)
        return w.bytes
    }

    private func state(_ index: UInt32, _ num: UInt32) -> [UInt8] {
        var w = ByteWriter(capacity: 8)
        VringState(index: index, num: num).encode(into: &w)
        return w.bytes
    }

    /// A random-length valid prefix: owner, features, protocol features, memory, one queue size.
    private func prefix(_ c: Channel, _ memory: GuestMemoryImage, steps: Int) {
        var features: UInt64 = 0
        for step in 0..<steps {
            switch step {
            case 0: try? c.send(request: FrontendRequest.setOwner.rawValue)
            case 1:
                try? c.send(request: FrontendRequest.getFeatures.rawValue)
                if let m = try? c.receive() { var cur = m.cursor; features = (try? cur.readU64()) ?? 0 }
            case 2: try? c.send(request: FrontendRequest.setFeatures.rawValue, payload: u64(features & FrontendConfiguration.wantedFeatures))
            case 3:
                try? c.send(request: FrontendRequest.getProtocolFeatures.rawValue)
                _ = try? c.receive()
            case 4: try? c.send(request: FrontendRequest.setProtocolFeatures.rawValue, payload: u64(ProtocolFeature.mq | ProtocolFeature.configureMemSlots))
            case 5:
                var w = ByteWriter(capacity: 80)
                memory.tableDescription.encode(into: &w)
                try? c.send(request: FrontendRequest.setMemTable.rawValue, payload: w.bytes, fds: [memory.fd.rawValue, memory.fd.rawValue])
            default: try? c.send(request: FrontendRequest.setVringNum.rawValue, payload: state(1, 128))
            }
        }
    }

    private func region(_ gpa: UInt64, _ size: UInt64, _ user: UInt64, _ offset: UInt64) -> MemoryRegionDescription {
        MemoryRegionDescription(guestPhysAddr: gpa, memorySize: size, userspaceAddr: user, mmapOffset: offset)
    }

    private func hostile(_ kind: Kind, _ c: Channel, _ memory: GuestMemoryImage) {
        let mfd = memory.fd.rawValue
        let r0 = memory.regions[0]
        switch kind {
        case .unknownRequest:
            let codes: [UInt32] = [0, 26, 27, 33, 41, 99, 1000, UInt32.max]
            try? c.send(request: codes[below(codes.count)], payload: (0..<below(64)).map { _ in UInt8(truncatingIfNeeded: random()) })
        case .truncatedPayload:
            let r = FrontendRequest.allCases[below(FrontendRequest.allCases.count)]
            guard r != .resetOwner, r != .resetDevice else { return }
            try? c.send(request: r.rawValue, payload: (0..<below(8)).map { _ in UInt8(truncatingIfNeeded: random()) })
        case .oversizedHeader:
            var w = ByteWriter(capacity: 12)
            MessageHeader(request: FrontendRequest.setMemTable.rawValue, size: [4097, 65536, UInt32.max][below(3)]).encode(into: &w)
            _ = w.bytes.withUnsafeBytes { send(c.fd.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        case .badVersion:
            try? c.send(request: FrontendRequest.getFeatures.rawValue, flags: [0, 2, 3, 0xFFFF_FFFF][below(4)])
        case .garbage:
            let bytes = (0..<(1 + below(200))).map { _ in UInt8(truncatingIfNeeded: random()) }
            _ = bytes.withUnsafeBytes { send(c.fd.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        case .memTableCount:
            var w = ByteWriter(capacity: 300)
            let count = [0, 9, 255, Int(UInt32.max)][below(4)]
            w.write(UInt32(truncatingIfNeeded: count)); w.write(UInt32(0))
            for _ in 0..<min(count, 9) { region(r0.guestPhysAddr, r0.size, r0.userAddr, 0).encode(into: &w) }
            try? c.send(request: FrontendRequest.setMemTable.rawValue, payload: w.bytes, fds: [mfd])
        case .memTableRegion:
            let bad: [MemoryRegionDescription] = [
                region(r0.guestPhysAddr, 0, r0.userAddr, 0),
                region(UInt64.max - 4095, 1 << 20, r0.userAddr, 0),
                region(r0.guestPhysAddr, UInt64.max, r0.userAddr, 0),
                region(r0.guestPhysAddr, r0.size, r0.userAddr, 1 << 40),
                region(r0.guestPhysAddr, r0.size * 64, r0.userAddr, 0),
                region(r0.guestPhysAddr, r0.size, UInt64.max - 4095, 0),
            ]
            var w = ByteWriter(capacity: 80)
            MemoryTableDescription(regions: [bad[below(bad.count)], region(r0.guestPhysAddr, 4096, r0.userAddr, 0)]).encode(into: &w)
            try? c.send(request: FrontendRequest.setMemTable.rawValue, payload: w.bytes, fds: [mfd, mfd])
        case .memTableFds:
            var w = ByteWriter(capacity: 80)
            memory.tableDescription.encode(into: &w)
            let sock = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { if sock >= 0 { close(sock) } }
            let fds: [[Int32]] = [[], [mfd], [sock, sock], [mfd, mfd, mfd, mfd]]
            try? c.send(request: FrontendRequest.setMemTable.rawValue, payload: w.bytes, fds: fds[below(fds.count)])
        case .vringNum:
            let nums: [UInt32] = [0, 3, 1000, 65536, UInt32.max]
            try? c.send(request: FrontendRequest.setVringNum.rawValue, payload: state(UInt32(below(3)), nums[below(nums.count)]))
        case .vringAddr:
            var w = ByteWriter(capacity: 40)
            let addrs: [UInt64] = [0, 1, r0.userAddr + r0.size - 8, UInt64.max - 7, r0.guestPhysAddr]
            VringAddress(index: UInt32(below(3)), flags: UInt32(below(2)), desc: addrs[below(5)], used: addrs[below(5)],
                         avail: addrs[below(5)], log: addrs[below(5)]).encode(into: &w)
            try? c.send(request: FrontendRequest.setVringAddr.rawValue, payload: w.bytes)
        case .vringFile:
            let requests: [FrontendRequest] = [.setVringKick, .setVringCall, .setVringErr]
            let sock = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { if sock >= 0 { close(sock) } }
            let value = UInt64(below(300)) | (below(2) == 0 ? VringFile.invalidFDFlag : 0)
            let fds: [[Int32]] = [[], [sock], [mfd], [sock, sock]]
            try? c.send(request: requests[below(3)].rawValue, payload: u64(value), fds: fds[below(fds.count)])
        case .vringIndex:
            let requests: [FrontendRequest] = [.setVringBase, .getVringBase, .setVringEnable, .setVringNum]
            try? c.send(request: requests[below(4)].rawValue, payload: state([3, 255, 256, UInt32.max][below(4)], 1))
        case .features:
            try? c.send(request: [FrontendRequest.setFeatures, .setProtocolFeatures][below(2)].rawValue, payload: u64(random()))
        case .memRegion:
            var w = ByteWriter(capacity: 40)
            SingleMemoryRegion(region: region(r0.guestPhysAddr + UInt64(below(2)) * 4096, [0, 4096, r0.size, UInt64.max][below(4)], r0.userAddr, 0)).encode(into: &w)
            try? c.send(request: [FrontendRequest.addMemReg, .remMemReg][below(2)].rawValue, payload: w.bytes, fds: below(2) == 0 ? [] : [mfd])
        case .backendFd:
            try? c.send(request: FrontendRequest.setBackendReqFd.rawValue, payload: [], fds: below(2) == 0 ? [] : [mfd])
        }
    }
}
