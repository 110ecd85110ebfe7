import FUSE
import Glibc
import Passthrough

extension FuseDispatcher {
    /// Writes the out header (and body) for `reply`; returns the bytes written, 0 when there is
    /// no reply or not even an out header fits.
    static func finish(_ b: RequestBuffers, unique: UInt64, _ reply: Reply) -> UInt32 {
        let capacity = b.writableCount
        guard capacity >= FuseOutHeader.size else { return 0 }
        var error: Int32 = 0
        var bodyCount = 0
        switch reply {
        case .none, .later:
            return 0
        case .error(let e):
            error = e
        case .placed(let count):
            bodyCount = count
        case .ok(let body):
            if b.scatter(body, at: FuseOutHeader.size) {
                bodyCount = body.count
            } else {
                // The guest sized the buffer; a reply that does not fit is the guest's error.
                error = ERANGE
            }
        }
        let len = UInt32(FuseOutHeader.size + bodyCount)
        b.storeOutHeader(len: len, error: -Self.errnoValue(error), unique: unique)
        return len
    }

    /// A positive errno the guest can take (EIO for anything out of range).
    static func errnoValue(_ e: Int32) -> Int32 {
        e == 0 ? 0 : (e > 0 && e < 4096 ? e : EIO)
    }

    static func body(_ parts: any FuseStruct...) -> [UInt8] {
        var w = ByteWriter(capacity: 256)
        for p in parts { p.encode(into: &w) }
        return w.bytes
    }
}

// MARK: - Argument decoding: every wire error becomes EINVAL for the guest.

extension ByteCursor {
    mutating func decode<T: FuseStruct>(_: T.Type = T.self) throws(FSError) -> T {
        do throws(WireError) {
            return try T(from: &self)
        } catch {
            throw FSError(errno: EINVAL, message: "\(T.self): \(error.message)")
        }
    }

    /// A struct the guest may send in a shorter, older layout (`size` bytes); missing fields are 0.
    mutating func decode<T: FuseStruct>(_: T.Type = T.self, size: Int) throws(FSError) -> T {
        guard size < T.size else { return try decode(T.self) }
        guard remaining >= size else { throw FSError(errno: EINVAL, message: "\(T.self) truncated") }
        var padded = (try? readBytes(size)) ?? []
        padded += [UInt8](repeating: 0, count: T.size - size)
        var c = ByteCursor(padded)
        return try c.decode(T.self)
    }

    /// A NUL-terminated name; FUSE never sends an empty one.
    mutating func name() throws(FSError) -> [UInt8] {
        do throws(WireError) {
            let n = try readCString()
            guard !n.isEmpty else { throw WireError(.invalid, "empty name") }
            return n
        } catch {
            throw FSError(errno: EINVAL, message: "name: \(error.message)")
        }
    }

    /// Like `name()`, without a copy: `body` gets the name and its NUL inside the request's bytes
    /// (valid only during the call); the cursor moves past the NUL.
    mutating func withName<R>(_ body: (UnsafeBufferPointer<UInt8>) throws(FSError) -> R) throws(FSError) -> R {
        let start = offset
        guard let end = bytes[start...].firstIndex(of: 0) else {
            throw FSError(errno: EINVAL, message: "name: truncated: unterminated string at offset \(start)")
        }
        guard end > start else { throw FSError(errno: EINVAL, message: "name: invalid: empty name") }
        let result = try bytes.withUnsafeBufferPointer { (all) throws(FSError) -> R in
            try body(UnsafeBufferPointer(rebasing: all[start...end]))
        }
        do throws(WireError) {
            try skip(end + 1 - start)
        } catch {
            throw FSError(errno: EINVAL, message: "name: \(error.message)")
        }
        return result
    }

    mutating func bytes(_ count: Int) throws(FSError) -> [UInt8] {
        do throws(WireError) {
            return try readBytes(count)
        } catch {
            throw FSError(errno: EINVAL, message: "payload: \(error.message)")
        }
    }
}

// MARK: - Attributes and timeouts

extension FuseDispatcher {
    /// Seconds as FUSE's (seconds, nanoseconds) pair.
    static func split(_ seconds: Double) -> (UInt64, UInt32) {
        guard seconds > 0, seconds.isFinite else { return (0, 0) }
        let whole = min(seconds.rounded(.down), Double(UInt32.max))
        return (UInt64(whole), UInt32(min((seconds - whole) * 1e9, 999_999_999)))
    }

    /// The attr the guest sees; with a DAX window, regular files carry FUSE_ATTR_DAX (what a
    /// `dax=inode` mount maps), and the file's mappings are first brought to the size told.
    func attr(_ st: stat, submount: Bool = false) -> FuseAttr {
        guard let dax = daxMappings else { return Self.attr(st, submount: submount) }
        dax.sync(st)
        var a = Self.attr(st, submount: submount)
        if st.st_mode & S_IFMT == S_IFREG { a.flags |= FuseFlag.attrDax }
        return a
    }

    static func attr(_ st: stat, submount: Bool = false) -> FuseAttr {
        FuseAttr(
            ino: UInt64(st.st_ino),
            size: UInt64(bitPattern: Int64(st.st_size)),
            blocks: UInt64(bitPattern: Int64(st.st_blocks)),
            atime: UInt64(bitPattern: Int64(st.st_atim.tv_sec)),
            mtime: UInt64(bitPattern: Int64(st.st_mtim.tv_sec)),
            ctime: UInt64(bitPattern: Int64(st.st_ctim.tv_sec)),
            atimensec: UInt32(truncatingIfNeeded: st.st_atim.tv_nsec),
            mtimensec: UInt32(truncatingIfNeeded: st.st_mtim.tv_nsec),
            ctimensec: UInt32(truncatingIfNeeded: st.st_ctim.tv_nsec),
            mode: st.st_mode,
            nlink: UInt32(truncatingIfNeeded: st.st_nlink),
            uid: st.st_uid,
            gid: st.st_gid,
            // The guest decodes rdev with new_decode_dev; glibc's dev_t agrees in its low 32 bits.
            rdev: UInt32(truncatingIfNeeded: st.st_rdev),
            blksize: UInt32(truncatingIfNeeded: st.st_blksize),
            flags: submount ? FuseFlag.attrSubmount : 0
        )
    }

    func entryOut(_ e: Entry) -> FuseEntryOut {
        let (es, ens) = Self.split(fs.policy.entryTimeout)
        let (asec, ans) = Self.split(fs.policy.attrTimeout)
        return FuseEntryOut(nodeid: e.node, generation: e.generation, entryValid: es, attrValid: asec,
                            entryValidNsec: ens, attrValidNsec: ans, attr: attr(e.attr, submount: e.submount))
    }

    /// An entry reply in the session's layout (120 bytes for guests before 7.9).
    func entryReply(_ e: Entry, _ r: Request) -> Reply {
        Self.place(entryOut(e), size: r.session.entryOutSize, r.buffers)
    }

    func attrReply(_ st: stat, _ r: Request) -> Reply {
        let (asec, ans) = Self.split(fs.policy.attrTimeout)
        let out = FuseAttrOut(attrValid: asec, attrValidNsec: ans, attr: attr(st))
        return Self.place(out, size: r.session.attrOutSize, r.buffers)
    }

    /// A reply struct encoded straight into the guest's buffer after the out header, when the
    /// session takes its full layout and the bytes there lie in one segment (the Linux driver
    /// gives each reply argument a descriptor of its own): no array, no copy. Otherwise (an
    /// older guest's shorter layout, a split or too small buffer) as bytes, which `finish`
    /// scatters or refuses with ERANGE.
    static func place<T: FuseStruct>(_ value: T, size: Int, _ b: RequestBuffers) -> Reply {
        if size == T.size, let target = b.contiguousWritable(at: FuseOutHeader.size, count: size) {
            var w = ByteWriter(into: target)
            value.encode(into: &w)
            if w.count == size && !w.overflowed { return .placed(count: size) }
        }
        return .ok(prefix(value.bytes, size))
    }

    /// The first `count` bytes (older guests take shorter replies), without a copy when whole.
    static func prefix(_ bytes: [UInt8], _ count: Int) -> [UInt8] {
        count >= bytes.count ? bytes : Array(bytes.prefix(count))
    }

    func openOut(_ o: OpenResult) -> FuseOpenOut {
        var flags: UInt32 = 0
        if o.directIO { flags |= FuseOpenOutFlags.directIO }
        if o.keepCache { flags |= FuseOpenOutFlags.keepCache }
        if o.cacheDir { flags |= FuseOpenOutFlags.cacheDir }
        return FuseOpenOut(fh: o.handle, openFlags: flags)
    }
}
