import Dispatch
import FUSE
import Glibc
import Passthrough
import Synchronization
import Testing

@testable import VirtioFS

/// Malformed input gets an error reply (or nothing when no header fits), never a crash.
@Suite struct DispatcherRobustnessTests {
    @Test func truncatedHeader() throws {
        let h = try DispatcherHarness()
        let r = h.sendRaw([[1, 2, 3]])
        #expect(r.error == -EIO && r.written == 16)
        #expect(h.sendRaw([]).error == -EIO)
    }

    @Test func noRoomForAnOutHeaderWritesNothing() throws {
        let h = try DispatcherHarness()
        let r = h.send(.getattr, args: [FuseGetattrIn().bytes], writable: [8, 4])
        #expect(r.written == 0)
        #expect(h.send(.getattr, args: [FuseGetattrIn().bytes], writable: []).written == 0)
    }

    @Test func lenDisagreeingWithBuffers() throws {
        let h = try DispatcherHarness()
        var header = FuseInHeader(len: 4096, opcode: FuseOpcode.lookup.rawValue, unique: 5, nodeid: 1)
        #expect(h.sendRaw([header.bytes, cstr("x")]).error == -EINVAL)
        header.len = 10
        #expect(h.sendRaw([header.bytes, cstr("x")]).error == -EINVAL)
        header.len = UInt32.max
        let r = h.sendRaw([header.bytes])
        #expect(r.error == -EINVAL && r.header?.unique == 5)
    }

    @Test func unknownAndUnsupportedOpcodes() throws {
        let h = try DispatcherHarness()
        for op: UInt32 in [7, 19, 52, 999, 0, UInt32.max, FuseOpcode.bmap.rawValue, FuseOpcode.ioctl.rawValue,
                           FuseOpcode.poll.rawValue, FuseOpcode.cuseInit.rawValue] {
            let hdr = FuseInHeader(len: 40, opcode: op, unique: 3, nodeid: 1)
            #expect(h.sendRaw([hdr.bytes]).error == -ENOSYS, "opcode \(op)")
        }
    }

    @Test func truncatedArgumentsAreEINVAL() throws {
        let h = try DispatcherHarness()
        let cases: [(FuseOpcode, [UInt8])] = [
            (.lookup, Array("noterminator".utf8)), (.lookup, [0]), (.getattr, [1, 2]), (.setattr, [0, 0, 0]),
            (.mkdir, FuseMkdirIn(mode: 0o755).bytes), (.open, [1]), (.read, [0]), (.write, [0, 0]),
            (.rename, FuseRenameIn(newdir: 1).bytes + cstr("a")), (.link, [1]), (.setxattr, [1, 2, 3, 4]),
            (.getlk, [0]), (.setlkw, [0]), (.fallocate, [0]), (.copyFileRange, [0]), (.interrupt, [1]),
            (.forget, [1]), (.batchForget, [1]), (.`init`, [7, 0, 0, 0]), (.symlink, cstr("only-name")),
        ]
        for (op, args) in cases {
            let r = h.send(op, args: [args])
            if op.hasNoReply {
                #expect(r.written == 0, "\(op)")
            } else {
                #expect(r.error == -EINVAL, "\(op)")
            }
        }
    }

    @Test func namesEscapingTheShareAreRefused() throws {
        let h = try DispatcherHarness()
        for name in ["a/b", ".", "..", "../etc"] {
            #expect(h.send(.mkdir, args: [FuseMkdirIn(mode: 0o755).bytes, cstr(name)]).error < 0, "\(name)")
        }
        #expect(h.send(.getattr, node: 123_456, args: [FuseGetattrIn().bytes]).error == -EBADF)
    }

    /// LOOKUP reads the name in place in the request: the same checks as a copied name.
    @Test func lookupNamesAreCheckedInPlace() throws {
        let h = try DispatcherHarness()
        writeHost(h.hostPath("f"), [])
        #expect(h.send(.lookup, args: [cstr("a/b")]).error == -EINVAL)
        #expect(h.send(.lookup, args: [cstr("../etc")]).error == -EINVAL)
        #expect(h.send(.lookup, args: [Array(repeating: 0x61, count: 256) + [0]]).error == -ENAMETOOLONG)
        #expect(h.send(.lookup, args: [cstr("missing")]).error == -ENOENT)
        // ".." and "." at the root stay at the root.
        #expect(h.lookup("..").1?.nodeid == 1)
        #expect(h.lookup(".").1?.nodeid == 1)
        // Bytes after the NUL are not part of the name.
        let f = h.send(.lookup, args: [cstr("f") + Array("/junk".utf8)])
        #expect(f.error == 0)
        #expect(try FuseEntryOut(bytes: f.body).nodeid == h.lookup("f").1?.nodeid)
    }

    @Test func replyTooLargeForTheBuffersIsERANGE() throws {
        let h = try DispatcherHarness()
        writeHost(h.hostPath("f"), [])
        let r = h.send(.lookup, args: [cstr("f")], writable: [16, 64])
        #expect(r.error == -ERANGE && r.written == 16)
    }

    /// Random requests of every opcode with random arguments: every one completes exactly once.
    @Test func randomRequestsNeverCrash() throws {
        let h = try DispatcherHarness()
        writeHost(h.hostPath("victim"), Array(repeating: 1, count: 100))
        var rng = SystemRandomNumberGenerator()
        for i in 0..<3000 {
            let ops = FuseOpcode.allCases.filter { $0 != .setlkw && $0 != .destroy }
            let op = ops[Int.random(in: 0..<ops.count, using: &rng)]
            let n = Int.random(in: 0..<200, using: &rng)
            var args = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Small handles and node ids hit real objects now and then.
            if args.count >= 8, Bool.random(using: &rng) { args.replaceSubrange(0..<8, with: [UInt8(i % 4), 0, 0, 0, 0, 0, 0, 0]) }
            let node = UInt64.random(in: 0...3, using: &rng)
            let split = args.isEmpty ? [args] : [Array(args[..<(args.count / 2)]), Array(args[(args.count / 2)...])]
            let r = h.send(op, node: node, args: split, writable: [16, Int.random(in: 0..<5000, using: &rng)], timeout: 2)
            #expect(r.written == 0 || r.header != nil)
            if !op.hasNoReply && r.written == 0 && op != .`init` {
                Issue.record("\(op) produced no reply")
            }
        }
        // The daemon still serves normal requests afterwards.
        #expect(h.lookup("victim").0.error == 0 || h.dispatcher.currentSession == nil)
    }
}

/// Random in headers (any len, opcode, node) over randomly split segments.
extension DispatcherRobustnessTests {
    @Test func randomHeadersNeverCrash() throws {
        let h = try DispatcherHarness()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            var header = FuseInHeader(
                len: Bool.random(using: &rng) ? UInt32.random(in: 0...400, using: &rng) : UInt32.random(in: 0...UInt32.max, using: &rng),
                opcode: UInt32.random(in: 0...55, using: &rng), unique: UInt64.random(in: 0...UInt64.max, using: &rng),
                nodeid: UInt64.random(in: 0...4, using: &rng))
            if header.opcode == FuseOpcode.setlkw.rawValue || header.opcode == FuseOpcode.destroy.rawValue { header.opcode = 3 }
            var bytes = header.bytes + (0..<Int.random(in: 0..<300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            // Split anywhere, including inside the header.
            var segments: [[UInt8]] = []
            var rest = bytes[...]
            while !rest.isEmpty {
                let n = Int.random(in: 1...max(1, rest.count), using: &rng)
                segments.append(Array(rest.prefix(n)))
                rest = rest.dropFirst(n)
            }
            let r = h.sendRaw(segments, writable: [Int.random(in: 0...40, using: &rng), Int.random(in: 0...300, using: &rng)], timeout: 2)
            #expect(r.written == 0 || r.header != nil)
        }
        #expect(h.send(.statfs).error == 0)
    }

    /// Many threads at once on one dispatcher: files created, written, read back and removed.
    @Test func concurrentRequests() throws {
        let h = try DispatcherHarness()
        let failures = Mutex<[String]>([])
        let dispatcher = h.dispatcher
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            let client = Client(dispatcher: dispatcher, base: UInt64(t) << 32)
            for i in 0..<40 {
                let name = "t\(t)-\(i)"
                let payload = (0..<(1000 + i * 37)).map { UInt8(truncatingIfNeeded: $0 ^ t) }
                guard let (node, fh) = client.create(name) else { failures.withLock { $0.append("create \(name)") }; continue }
                if client.write(node, fh, payload) != payload.count { failures.withLock { $0.append("write \(name)") } }
                if client.read(node, fh, payload.count) != payload { failures.withLock { $0.append("read \(name)") } }
                client.release(fh)
                if client.unlink(name) != 0 { failures.withLock { $0.append("unlink \(name)") } }
                client.forget(node)
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(h.fs.handleCount == 0)
    }
}

/// A minimal synchronous client for the concurrency test (one harness-free request at a time).
struct Client {
    let dispatcher: FuseDispatcher
    let base: UInt64
    private static let counter = Atomic<UInt64>(1)

    func call(_ op: FuseOpcode, node: UInt64 = 1, _ args: [[UInt8]], room: Int = 8192) -> (Int32, [UInt8]) {
        let id = base | Self.counter.add(1, ordering: .relaxed).newValue
        let len = FuseInHeader.size + args.reduce(0) { $0 + $1.count }
        let p = Pending([FuseInHeader(len: UInt32(len), opcode: op.rawValue, unique: id, nodeid: node).bytes] + args, [16, room])
        dispatcher.handle(p.buffers) { n in p.done(n) }
        let r = p.wait(timeout: 10)
        return (r.error, r.body)
    }

    func create(_ name: String) -> (UInt64, UInt64)? {
        let (e, body) = call(.create, [FuseCreateIn(flags: UInt32(O_RDWR | O_CREAT), mode: 0o100644).bytes, cstr(name)])
        guard e == 0, let entry = try? FuseEntryOut(bytes: body),
              let open = try? FuseOpenOut(bytes: Array(body.dropFirst(FuseEntryOut.size))) else { return nil }
        return (entry.nodeid, open.fh)
    }

    func write(_ node: UInt64, _ fh: UInt64, _ data: [UInt8]) -> Int {
        let (e, body) = call(.write, node: node, [FuseWriteIn(fh: fh, size: UInt32(data.count)).bytes, data])
        return e == 0 ? Int((try? FuseWriteOut(bytes: body))?.size ?? 0) : -1
    }

    func read(_ node: UInt64, _ fh: UInt64, _ count: Int) -> [UInt8] {
        let (_, body) = call(.read, node: node, [FuseReadIn(fh: fh, size: UInt32(count)).bytes])
        return body
    }

    func release(_ fh: UInt64) { _ = call(.release, [FuseReleaseIn(fh: fh).bytes]) }
    func unlink(_ name: String) -> Int32 { call(.unlink, [cstr(name)]).0 }
    func forget(_ node: UInt64) { _ = call(.forget, node: node, [FuseForgetIn(nlookup: 1).bytes]) }
}

/// DAX mapping through the DaxWindow protocol.
@Suite struct DispatcherDaxTests {
    final class RecordingWindow: DaxWindow, @unchecked Sendable {
        let size: UInt64? = 1 << 30
        let calls = Mutex<[String]>([])
        func map(fd: Int32, fileOffset: UInt64, windowOffset: UInt64, length: UInt64, writable: Bool) throws(FSError) {
            calls.withLock { $0.append("map fd>=0:\(fd >= 0) \(fileOffset) \(windowOffset) \(length) \(writable)") }
        }
        func unmap(windowOffset: UInt64, length: UInt64) throws(FSError) {
            calls.withLock { $0.append("unmap \(windowOffset) \(length)") }
        }
    }

    @Test func withoutAWindowMappingIsENOSYS() throws {
        let h = try DispatcherHarness()
        #expect(h.send(.setupmapping, args: [FuseSetupmappingIn(fh: 1, len: 4096).bytes]).error == -ENOSYS)
        #expect(h.send(.removemapping, args: [FuseRemovemappingIn(count: 0).bytes]).error == -ENOSYS)
    }

    @Test func setupAndRemoveMapping() throws {
        let window = RecordingWindow()
        let h = try DispatcherHarness(dax: window)
        #expect(h.dispatcher.currentSession?.flags.contains(.mapAlignment) == true)
        let f = try #require(h.create("m"))
        writeHost(h.hostPath("m"), [UInt8](repeating: 5, count: 3 << 20))
        let ok = h.send(.setupmapping, node: f.node, args: [FuseSetupmappingIn(
            fh: f.fh, foffset: 0, len: 2 << 20, flags: FuseFlag.setupmappingRead | FuseFlag.setupmappingWrite, moffset: 4 << 20).bytes])
        #expect(ok.error == 0)
        let outside = h.send(.setupmapping, node: f.node, args: [FuseSetupmappingIn(
            fh: f.fh, len: 2 << 20, moffset: (1 << 30) - 4096).bytes])
        #expect(outside.error == -EINVAL)
        #expect(h.send(.setupmapping, args: [FuseSetupmappingIn(fh: 999, len: 4096).bytes]).error == -EBADF)
        // The last chunk of a 3 MiB file maps its 1 MiB only (the VMM refuses maps past EOF).
        #expect(h.send(.setupmapping, node: f.node, args: [FuseSetupmappingIn(
            fh: f.fh, foffset: 2 << 20, len: 2 << 20, flags: FuseFlag.setupmappingRead, moffset: 8 << 20).bytes]).error == 0)
        let rm = h.send(.removemapping, args: [FuseRemovemappingIn(count: 3).bytes,
                                                FuseRemovemappingOne(moffset: 4 << 20, len: 2 << 20).bytes,
                                                FuseRemovemappingOne(moffset: 8 << 20, len: 2 << 20).bytes,
                                                FuseRemovemappingOne(moffset: 0, len: 4096).bytes])
        #expect(rm.error == 0)
        #expect(h.send(.removemapping, args: [FuseRemovemappingIn(count: 5).bytes]).error == -EINVAL)
        #expect(window.calls.withLock { $0 } == [
            "map fd>=0:true 0 \(4 << 20) \(2 << 20) true", "map fd>=0:true \(2 << 20) \(8 << 20) \(1 << 20) false",
            "unmap \(4 << 20) \(2 << 20)", "unmap \(8 << 20) \(1 << 20)",
        ])
        #expect(h.dispatcher.daxMappings?.statistics.maps == 2)
    }

    /// A reset or a disconnect: the VMM dropped every map itself, so straitd forgets them without
    /// a message. The same window range mapped again then sends no UNMAP first (the VMM would
    /// refuse an unmap of nothing), and a truncation of the old file unmaps nothing.
    @Test func transportResetForgetsMapsSilently() throws {
        let window = RecordingWindow()
        let h = try DispatcherHarness(dax: window)
        let a = try #require(h.create("a")), b = try #require(h.create("b"))
        writeHost(h.hostPath("a"), [UInt8](repeating: 1, count: 4 << 20))
        writeHost(h.hostPath("b"), [UInt8](repeating: 2, count: 4 << 20))
        let map = { (f: (node: UInt64, fh: UInt64)) in
            h.send(.setupmapping, node: f.node, args: [FuseSetupmappingIn(
                fh: f.fh, foffset: 0, len: 2 << 20, flags: FuseFlag.setupmappingRead, moffset: 4 << 20).bytes]).error
        }
        #expect(map((a.node, a.fh)) == 0)
        h.dispatcher.transportReset()
        #expect(map((b.node, b.fh)) == 0)
        #expect(h.send(.setattr, node: a.node, args: [FuseSetattrIn(valid: FuseSetattrValid.size, size: 0).bytes]).error == 0)
        #expect(window.calls.withLock { $0 } == [
            "map fd>=0:true 0 \(4 << 20) \(2 << 20) false", "map fd>=0:true 0 \(4 << 20) \(2 << 20) false",
        ])
    }
}
