import FUSE
import Glibc
import Passthrough
import Testing

@testable import VirtioFS

/// Data and directory operations: zero-copy READ/WRITE across split segments, READDIR(PLUS).
@Suite struct DispatcherIOTests {
    func pattern(_ n: Int, seed: UInt8 = 7) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) } }

    @Test func writeFromSplitSegmentsThenReadIntoSplitSegments() throws {
        let h = try DispatcherHarness()
        let file = try #require(h.create("data"))
        let payload = pattern(10_000)
        // The payload spans three readable descriptors of odd sizes.
        let w = h.send(.write, node: file.node, args: [
            FuseWriteIn(fh: file.fh, offset: 100, size: UInt32(payload.count)).bytes,
            Array(payload[0..<1]), Array(payload[1..<4097]), Array(payload[4097...]),
        ])
        #expect(w.error == 0)
        #expect(try FuseWriteOut(bytes: w.body).size == UInt32(payload.count))
        #expect(readHost(h.hostPath("data")) == [UInt8](repeating: 0, count: 100) + payload)

        // Read back into an out header segment plus three page-ish segments.
        let r = h.send(.read, node: file.node, args: [FuseReadIn(fh: file.fh, offset: 100, size: 10_000).bytes],
                       writable: [16, 3000, 4096, 8192])
        #expect(r.error == 0 && r.header?.len == UInt32(16 + 10_000))
        #expect(Array(r.body.prefix(10_000)) == payload)
        // A read past EOF is short; a read larger than the buffers is capped to them.
        let tail = h.send(.read, node: file.node, args: [FuseReadIn(fh: file.fh, offset: 10_000, size: 4096).bytes])
        #expect(tail.header?.len == UInt32(16 + 100))
        let capped = h.send(.read, node: file.node, args: [FuseReadIn(fh: file.fh, offset: 0, size: 1 << 20).bytes],
                            writable: [16, 512])
        #expect(capped.header?.len == UInt32(16 + 512))
        // Header and data in one writable segment works as well.
        let single = h.send(.read, node: file.node, args: [FuseReadIn(fh: file.fh, offset: 100, size: 10).bytes], writable: [64])
        #expect(Array(single.body.prefix(10)) == Array(payload.prefix(10)))
        #expect(h.send(.flush, node: file.node, args: [FuseFlushIn(fh: file.fh, lockOwner: 1).bytes]).error == 0)
        #expect(h.send(.fsync, node: file.node, args: [FuseFsyncIn(fh: file.fh, fsyncFlags: 1).bytes]).error == 0)
        #expect(h.send(.release, node: file.node, args: [FuseReleaseIn(fh: file.fh).bytes]).error == 0)
        #expect(h.send(.read, node: file.node, args: [FuseReadIn(fh: file.fh, size: 10).bytes]).error == -EBADF)
    }

    @Test func writeClaimingMoreThanItCarriesIsRefused() throws {
        let h = try DispatcherHarness()
        let file = try #require(h.create("w"))
        let r = h.send(.write, node: file.node, args: [FuseWriteIn(fh: file.fh, size: 4096).bytes, [1, 2, 3]])
        #expect(r.error == -EINVAL)
        #expect(readHost(h.hostPath("w")) == [])
    }

    @Test func fallocateLseekCopyFileRange() throws {
        let h = try DispatcherHarness()
        let a = try #require(h.create("a"))
        let b = try #require(h.create("b"))
        #expect(h.send(.fallocate, node: a.node, args: [FuseFallocateIn(fh: a.fh, offset: 0, length: 8192).bytes]).error == 0)
        var st = stat()
        #expect(stat(h.hostPath("a"), &st) == 0 && st.st_size == 8192)
        let data = pattern(5000)
        _ = h.send(.write, node: a.node, args: [FuseWriteIn(fh: a.fh, offset: 0, size: 5000).bytes, data])
        let seek = h.send(.lseek, node: a.node, args: [FuseLseekIn(fh: a.fh, offset: 0, whence: 3 /* SEEK_DATA */).bytes])
        #expect(try FuseLseekOut(bytes: seek.body).offset == 0)
        let c = h.send(.copyFileRange, node: a.node, args: [FuseCopyFileRangeIn(
            fhIn: a.fh, offIn: 0, nodeidOut: b.node, fhOut: b.fh, offOut: 10, len: 5000).bytes])
        #expect(try FuseWriteOut(bytes: c.body).size == 5000)
        #expect(readHost(h.hostPath("b")) == [UInt8](repeating: 0, count: 10) + data)
    }

    @Test func tmpfileIsAnonymous() throws {
        let h = try DispatcherHarness()
        let r = h.send(.tmpfile, args: [FuseCreateIn(flags: UInt32(O_RDWR), mode: 0o100600).bytes, cstr("#tmp")])
        #expect(r.error == 0)
        #expect(r.body.count == FuseEntryOut.size + FuseOpenOut.size)
        let e = try FuseEntryOut(bytes: r.body)
        #expect(e.attr.nlink == 0)
        #expect(readHost(h.hostPath("#tmp")) == nil)
    }

    func listAll(_ h: DispatcherHarness, plus: Bool, size: UInt32) throws -> [FuseDirentRecord] {
        let o = h.send(.opendir, args: [FuseOpenIn().bytes])
        let fh = try FuseOpenOut(bytes: o.body).fh
        var all: [FuseDirentRecord] = []
        var offset: UInt64 = 0
        for _ in 0..<10_000 {
            let r = h.send(plus ? .readdirplus : .readdir, args: [FuseReadIn(fh: fh, offset: offset, size: size).bytes])
            #expect(r.error == 0)
            #expect(r.body.count <= Int(size))
            let records = try FuseDirentRecord.decodeAll(r.body, plus: plus)
            if records.isEmpty { break }
            all += records
            offset = records[records.count - 1].dirent.off
        }
        #expect(h.send(.releasedir, args: [FuseReleaseIn(fh: fh).bytes]).error == 0)
        return all
    }

    @Test(arguments: [false, true]) func readdirPaginatesWithoutLosingEntries(plus: Bool) throws {
        let h = try DispatcherHarness()
        let names = (0..<300).map { "file-\($0)-" + String(repeating: "x", count: $0 % 40) }
        for n in names { writeHost(h.hostPath(n), []) }
        let all = try listAll(h, plus: plus, size: 1024)
        let listed = all.map { String(decoding: $0.name, as: UTF8.self) }
        #expect(Set(listed) == Set(names + [".", ".."]))
        #expect(listed.count == names.count + 2)
        if plus {
            for r in all where r.name != [0x2E] && r.name != [0x2E, 0x2E] {
                #expect(r.entry?.nodeid ?? 0 > 1)
                #expect(r.entry?.attr.ino == r.dirent.ino)
            }
            // Every emitted entry counts one lookup, which FORGET can drop.
            let any = try #require(all.first { $0.entry?.nodeid ?? 0 > 1 }?.entry)
            #expect(h.fs.lookupCount(node: any.nodeid) == 1)
        }
    }

    @Test func readdirBufferTooSmallForOneEntryIsEmpty() throws {
        let h = try DispatcherHarness()
        writeHost(h.hostPath("a-rather-long-name"), [])
        let fh = try FuseOpenOut(bytes: h.send(.opendir, args: [FuseOpenIn().bytes]).body).fh
        let r = h.send(.readdirplus, args: [FuseReadIn(fh: fh, offset: 0, size: 100).bytes])
        #expect(r.error == 0 && r.body.isEmpty)
    }
}

/// Attr, entry and write replies are encoded straight into the guest's buffer when the reply's
/// bytes lie in one writable segment, and scattered from an array otherwise: the guest must see
/// the same bytes either way (the harness fills writable buffers with 0xAA, so stale padding
/// shows), and a buffer too small for the reply still gets ERANGE.
@Suite struct DispatcherReplyPlacementTests {
    static let layouts: [[Int]] = [[16, 1 << 17], [16 + 200], [16, 7, 9, 300], [10, 6, 50, 200]]

    @Test func placedAndScatteredRepliesAreTheSame() throws {
        let h = try DispatcherHarness()
        let file = try #require(h.create("f"))
        var write: [[UInt8]] = []
        for layout in Self.layouts {
            let w = h.send(.write, node: file.node, args: [FuseWriteIn(fh: file.fh, size: 3).bytes, [1, 2, 3]],
                           writable: layout)
            #expect(w.error == 0 && w.header?.len == UInt32(16 + FuseWriteOut.size), "\(layout)")
            write.append(Array(w.body.prefix(FuseWriteOut.size)))
        }
        // After the writes (they move mtime): the attr and the entry are the same in every layout.
        var getattr: [[UInt8]] = []
        var lookup: [[UInt8]] = []
        for layout in Self.layouts {
            let g = h.send(.getattr, node: file.node, args: [FuseGetattrIn().bytes], writable: layout)
            #expect(g.error == 0 && g.header?.len == UInt32(16 + FuseAttrOut.size), "\(layout)")
            getattr.append(Array(g.body.prefix(FuseAttrOut.size)))
            let l = h.send(.lookup, node: 1, args: [cstr("f")], writable: layout)
            #expect(l.error == 0 && l.header?.len == UInt32(16 + FuseEntryOut.size), "\(layout)")
            lookup.append(Array(l.body.prefix(FuseEntryOut.size)))
        }
        #expect(Set(getattr).count == 1 && Set(lookup).count == 1 && Set(write).count == 1)
        #expect(try FuseAttrOut(bytes: getattr[0]).attr.size == 3)
        #expect(try FuseEntryOut(bytes: lookup[0]).nodeid == file.node)
        #expect(try FuseWriteOut(bytes: write[0]).size == 3)
        // attr_out's dummy and write_out's padding: zeros, not the 0xAA the buffer held.
        #expect(getattr[0][12..<16].allSatisfy { $0 == 0 } && write[0][4..<8].allSatisfy { $0 == 0 })
        // Room for the out header but not the attr: refused.
        let small = h.send(.getattr, node: file.node, args: [FuseGetattrIn().bytes], writable: [16, 50])
        #expect(small.error == -ERANGE && small.header?.len == 16)
    }
}
