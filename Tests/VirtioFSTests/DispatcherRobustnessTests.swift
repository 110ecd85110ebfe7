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
        let ok = h.send(.setupmapping, node: f.node, args: [FuseSetupmappingIn(
            fh: f.fh, foffset: 0, len: 2 << 20, flags: FuseFlag.setupmappingRead | FuseFlag.setupmappingWrite, moffset: 4 << 20).bytes])
        #expect(ok.error == 0)
        let outside = h.send(.setupmapping, node: f.node, args: [FuseSetupmappingIn(
            fh: f.fh, len: 2 << 20, moffset: (1 << 30) - 4096).bytes])
        #expect(outside.error == -EINVAL)
        #expect(h.send(.setupmapping, args: [FuseSetupmappingIn(fh: 999, len: 4096).bytes]).error == -EBADF)
        let rm = h.send(.removemapping, args: [FuseRemovemappingIn(count: 2).bytes,
                                                FuseRemovemappingOne(moffset: 4 << 20, len: 2 << 20).bytes,
                                                FuseRemovemappingOne(moffset: 0, len: 4096).bytes])
        #expect(rm.error == 0)
        #expect(h.send(.removemapping, args: [FuseRemovemappingIn(count: 5).bytes]).error == -EINVAL)
        #expect(window.calls.withLock { $0 } == [
            "map fd>=0:true 0 \(4 << 20) \(2 << 20) true", "unmap \(4 << 20) \(2 << 20)", "unmap 0 4096",
        ])
    }
}
