import Testing
import Wire

@testable import FUSE

/// Round-trips and truncation for every struct, plus the special layouts.
@Suite struct FuseCodecTests {
    static let types: [any FuseStruct.Type] = [
        FuseAttr.self,
        FuseEntryOut.self,
        FuseAttrOut.self,
        FuseGetattrIn.self,
        FuseSetattrIn.self,
        FuseKstatfs.self,
        FuseStatfsOut.self,
        FuseForgetIn.self,
        FuseForgetOne.self,
        FuseBatchForgetIn.self,
        FuseMknodIn.self,
        FuseMkdirIn.self,
        FuseRenameIn.self,
        FuseRename2In.self,
        FuseLinkIn.self,
        FuseAccessIn.self,
        FuseInterruptIn.self,
        FuseSyncfsIn.self,
        FuseOpenIn.self,
        FuseCreateIn.self,
        FuseOpenOut.self,
        FuseReleaseIn.self,
        FuseFlushIn.self,
        FuseReadIn.self,
        FuseWriteIn.self,
        FuseWriteOut.self,
        FuseFsyncIn.self,
        FuseFallocateIn.self,
        FuseLseekIn.self,
        FuseLseekOut.self,
        FuseCopyFileRangeIn.self,
        FuseFileLock.self,
        FuseLkIn.self,
        FuseLkOut.self,
        FuseGetxattrIn.self,
        FuseGetxattrOut.self,
        FuseSetupmappingIn.self,
        FuseRemovemappingIn.self,
        FuseRemovemappingOne.self,
        FuseInHeader.self,
        FuseOutHeader.self,
        FuseDirent.self,
        FuseInitIn.self,
        FuseInitOut.self,
        FuseSetxattrIn.self,    ]

    /// decode(random) -> encode -> decode is stable, encodes exactly `size` bytes, and the
    /// re-encoding differs from the input only where the kernel has padding.
    @Test(arguments: types.indices) func roundTrip(_ i: Int) throws {
        try roundTrip(Self.types[i])
    }

    private func roundTrip<T: FuseStruct>(_: T.Type) throws {
        let raw = randomBytes(T.size)
        let value = try T(bytes: raw)
        let encoded = value.bytes
        #expect(encoded.count == T.size, "\(T.self)")
        #expect(try T(bytes: encoded) == value, "\(T.self)")
        // Encoding twice from the same value is deterministic (no stale padding).
        #expect(encoded == (try T(bytes: encoded)).bytes)
    }

    /// Encoding straight into a buffer (guest memory, `ByteWriter(into:)`) gives the same bytes
    /// as encoding into an array, padding stored as zeros over whatever the buffer held; a buffer
    /// one byte short is flagged, not overrun.
    @Test(arguments: types.indices) func encodeIntoBuffer(_ i: Int) throws {
        try encodeInto(Self.types[i])
    }

    private func encodeInto<T: FuseStruct>(_: T.Type) throws {
        let value = try T(bytes: randomBytes(T.size))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: T.size + 1, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0xAA)
        var w = ByteWriter(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<T.size]))
        value.encode(into: &w)
        #expect(w.count == T.size && !w.overflowed, "\(T.self)")
        #expect(Array(buffer[0..<T.size]) == value.bytes, "\(T.self)")
        #expect(buffer[T.size] == 0xAA, "\(T.self) wrote past its size")
        guard T.size > 1 else { return }
        var short = ByteWriter(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<T.size - 1]))
        value.encode(into: &short)
        #expect(short.overflowed && short.count < T.size, "\(T.self)")
    }

    /// Every strict prefix is refused with `.truncated`, never a trap.
    @Test(arguments: types.indices) func truncatedInputIsRefused(_ i: Int) throws {
        try truncated(Self.types[i])
    }

    private func truncated<T: FuseStruct>(_: T.Type) throws {
        let raw = randomBytes(T.size)
        // init_in accepts its 16-byte pre-7.36 layout; shorter than that must fail.
        let minimum = T.self == FuseInitIn.self ? FuseProtocol.compatInitInSize : T.size
        for n in 0..<minimum {
            #expect(throws: WireError.self, "\(T.self) from \(n) bytes") {
                _ = try T(bytes: Array(raw.prefix(n)))
            }
        }
    }

    @Test func oldInitInHasNoFlags2() throws {
        var w = ByteWriter()
        for v: UInt32 in [7, 31, 0x20000, 0xFFFF_FFFF] { w.write(v) }
        let i = try FuseInitIn(bytes: w.bytes)
        #expect(i.major == 7 && i.minor == 31 && i.maxReadahead == 0x20000 && i.flags == 0xFFFF_FFFF)
        #expect(i.flags2 == 0)
    }

    @Test func flags2CountsOnlyWithInitExt() {
        let without = FuseInitIn(major: 7, minor: 38, flags: 1, flags2: 2)
        #expect(without.offered == [.asyncRead])
        let with = FuseInitIn(major: 7, minor: 38, flags: 1 | FuseInitFlags.initExt.low, flags2: 2)
        #expect(with.offered == [.asyncRead, .initExt, .hasInodeDax])
    }

    @Test func knownEncodingOfOutHeader() {
        let h = FuseOutHeader(len: 0x10, error: -2, unique: 0x0102_0304_0506_0708)
        #expect(h.bytes == [0x10, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 8, 7, 6, 5, 4, 3, 2, 1])
    }

    @Test func direntPackingAlignsAndStopsWhenFull() throws {
        var d = FuseDirentWriter(capacity: 64)
        let first = d.append(FuseDirent(ino: 5, off: 1, type: 4), name: Array("a".utf8))
        #expect(first)  // 25 -> 32
        #expect(d.count == 32)
        let second = d.append(FuseDirent(ino: 6, off: 2, type: 8), name: Array("12345678".utf8))
        #expect(second)  // 32 -> 64
        #expect(d.count == 64)
        let third = d.append(FuseDirent(ino: 7, off: 3, type: 8), name: [0x62])
        #expect(!third)
        #expect(d.count == 64)
        let records = try FuseDirentRecord.decodeAll(d.bytes, plus: false)
        #expect(records.map(\.name) == [Array("a".utf8), Array("12345678".utf8)])
        #expect(records.map(\.dirent.namelen) == [1, 8])
        #expect(records.map(\.dirent.off) == [1, 2])
    }

    @Test func direntPlusPacking() throws {
        var d = FuseDirentWriter(capacity: 4096)
        let e = FuseEntryOut(nodeid: 9, generation: 1, entryValid: 1, attr: FuseAttr(ino: 99, mode: 0o100644))
        let ok = d.appendPlus(e, FuseDirent(ino: 99, off: 1, type: 8), name: Array("file".utf8))
        #expect(ok)
        #expect(d.count == FuseDirentPlus.recordSize(nameLength: 4))
        #expect(d.count % 8 == 0)
        let r = try FuseDirentRecord.decodeAll(d.bytes, plus: true)
        #expect(r.count == 1 && r[0].entry == e && r[0].name == Array("file".utf8))
    }

    @Test func truncatedDirentListIsRefused() {
        var d = FuseDirentWriter(capacity: 4096)
        _ = d.append(FuseDirent(ino: 1, off: 1, type: 4), name: Array("hello".utf8))
        let cut = Array(d.bytes.prefix(FuseDirent.nameOffset + 2))
        #expect(throws: WireError.self) { _ = try FuseDirentRecord.decodeAll(cut, plus: false) }
    }
}
