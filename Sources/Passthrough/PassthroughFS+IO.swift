import CShims
import Glibc

extension PassthroughFS {
    /// Opens a regular file (or a directory read-only). Symlinks, devices, FIFOs and sockets are
    /// refused: the guest kernel never opens those through FUSE, and a device node created by
    /// the guest must not give it the host's device.
    public func open(node: UInt64, flags: Int32, cred: Credentials? = nil, killpriv: Bool = false)
        throws(FSError) -> OpenResult
    {
        let inode = try inode(node)
        if inode.isSymlink { throw FSError(errno: ELOOP, message: "open of symlink") }
        guard inode.isRegular || inode.isDirectory else {
            throw FSError(errno: ENXIO, message: "open of special file")
        }
        let flags = openFlags(flags) & ~(O_CREAT | O_EXCL | O_TMPFILE)
        let fd = try reopen(inode, flags: flags)
        if killpriv && config.killprivV2 && flags & O_TRUNC != 0 {
            try killPrivileges(inode)
        }
        let id = handles.insert(Handle(fd: fd, inode: inode, flags: flags))
        return openResult(id, flags: flags)
    }

    /// Guest open flags made safe for the host: no controlling tty, O_DIRECT only when allowed,
    /// and with writeback caching the guest may read a write-only file and appends itself.
    func openFlags(_ flags: Int32) -> Int32 {
        var flags = flags & ~(O_NOCTTY | O_PATH)
        if !config.allowDirectIO { flags &= ~O_DIRECT }
        if config.writeback {
            if flags & O_ACCMODE == O_WRONLY { flags = (flags & ~O_ACCMODE) | O_RDWR }
            flags &= ~O_APPEND
        }
        return flags | O_CLOEXEC
    }

    func openResult(_ id: UInt64, flags: Int32) -> OpenResult {
        let direct = policy.directIO || (config.allowDirectIO && flags & O_DIRECT != 0)
        return OpenResult(handle: id, keepCache: policy.keepCache && !direct, directIO: direct,
                          cacheDir: false)
    }

    /// preadv straight into the caller's buffers (guest memory). Short only at end of file.
    public func read(handle id: UInt64, offset: UInt64, into iovecs: UnsafeBufferPointer<iovec>)
        throws(FSError) -> Int
    {
        let h = try handle(id)
        guard offset <= UInt64(Int64.max) else { throw FSError.invalid("offset") }
        return try transfer(iovecs, offset: offset, what: "preadv") { base, count, at in
            preadv(h.fd.raw, base, count, at)
        }
    }

    /// pwritev straight from the caller's buffers. With killpriv (killpriv_v2), set-user-id and
    /// set-group-id are cleared first, as a write by an unprivileged user would.
    public func write(handle id: UInt64, offset: UInt64, from iovecs: UnsafeBufferPointer<iovec>,
                      killpriv: Bool = false) throws(FSError) -> Int
    {
        let h = try handle(id)
        guard offset <= UInt64(Int64.max) else { throw FSError.invalid("offset") }
        if killpriv && config.killprivV2 {
            try killPrivileges(h.inode)
        }
        return try transfer(iovecs, offset: offset, what: "pwritev") { base, count, at in
            pwritev(h.fd.raw, base, count, at)
        }
    }

    /// Repeats a vectored transfer until all buffers are done or the file ends (0 bytes).
    private func transfer(
        _ iovecs: UnsafeBufferPointer<iovec>, offset: UInt64, what: String,
        _ call: (UnsafePointer<iovec>, Int32, off_t) -> Int
    ) throws(FSError) -> Int {
        guard let base = iovecs.baseAddress, iovecs.count > 0 else { return 0 }
        let total = iovecs.reduce(0) { $0 + $1.iov_len }
        let first = try sys(what) { call(base, Int32(min(iovecs.count, iovMax)), off_t(offset)) }
        if first == 0 || first == total { return first }
        // Short transfer (or more than IOV_MAX buffers): continue on a trimmed copy of the vector.
        var done = first
        while done < total {
            var skip = done
            var index = 0
            while index < iovecs.count, skip >= iovecs[index].iov_len {
                skip -= iovecs[index].iov_len
                index += 1
            }
            guard index < iovecs.count else { break }
            var tail = Array(iovecs[index...])
            tail[0].iov_base = tail[0].iov_base.map { $0 + skip }
            tail[0].iov_len -= skip
            let at = off_t(offset) + off_t(done)
            let n = try tail.withUnsafeBufferPointer { (buf) throws(FSError) -> Int in
                guard let b = buf.baseAddress else { return 0 }
                return try sys(what) { call(b, Int32(min(buf.count, iovMax)), at) }
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// The last close of a handle: drops it from the table (the fd closes when no request still
    /// uses it), releases a flock held through it and the POSIX locks of `lockOwner`.
    public func release(handle id: UInt64, lockOwner: UInt64? = nil, flockRelease: Bool = false)
        throws(FSError)
    {
        guard let h = handles.remove(id) else { throw .badHandle(id) }
        if flockRelease { _ = strait_flock(h.fd.raw, LOCK_UN) }
        if let lockOwner { dropLocks(h.inode, owner: lockOwner) }
    }

    /// FLUSH (close(2) in the guest): POSIX locks of the owner go away; dup+close lets the
    /// host file system see a close as well.
    public func flush(handle id: UInt64, lockOwner: UInt64? = nil) throws(FSError) {
        let h = try handle(id)
        if let lockOwner { dropLocks(h.inode, owner: lockOwner) }
        let copy = dup(h.fd.raw)
        // close(2) is never retried on Linux: the descriptor is gone even after EINTR.
        if copy >= 0 && close(copy) == -1 && Glibc.errno != EINTR {
            throw FSError.last("close on flush")
        }
    }

    public func fsync(handle id: UInt64, dataOnly: Bool) throws(FSError) {
        let h = try handle(id)
        _ = try sys("fsync") { dataOnly ? fdatasync(h.fd.raw) : Glibc.fsync(h.fd.raw) }
    }

    public func fallocate(handle id: UInt64, offset: UInt64, length: UInt64, mode: Int32)
        throws(FSError)
    {
        let h = try handle(id)
        guard offset <= UInt64(Int64.max), length <= UInt64(Int64.max) else {
            throw FSError.invalid("fallocate range")
        }
        _ = try sys("fallocate") { strait_fallocate(h.fd.raw, mode, Int64(offset), Int64(length)) }
    }

    /// LSEEK, including SEEK_DATA and SEEK_HOLE.
    public func lseek(handle id: UInt64, offset: UInt64, whence: Int32) throws(FSError) -> UInt64 {
        let h = try handle(id)
        let allowed = [SEEK_SET, SEEK_CUR, SEEK_END, strait_SEEK_DATA, strait_SEEK_HOLE]
        guard allowed.contains(whence), offset <= UInt64(Int64.max) else {
            throw FSError.invalid("lseek whence \(whence)")
        }
        return UInt64(try sys("lseek") { Glibc.lseek(h.fd.raw, off_t(offset), whence) })
    }

    public func copyFileRange(inHandle: UInt64, inOffset: UInt64, outHandle: UInt64,
                              outOffset: UInt64, length: UInt64, flags: UInt32 = 0)
        throws(FSError) -> Int
    {
        let source = try handle(inHandle)
        let dest = try handle(outHandle)
        guard inOffset <= UInt64(Int64.max), outOffset <= UInt64(Int64.max) else {
            throw FSError.invalid("copy_file_range offset")
        }
        var inOff = Int64(inOffset)
        var outOff = Int64(outOffset)
        let len = Int(min(length, UInt64(Int.max)))
        return try sys("copy_file_range") {
            strait_copy_file_range(source.fd.raw, &inOff, dest.fd.raw, &outOff, len, flags)
        }
    }
}
