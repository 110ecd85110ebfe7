import CShims
import Glibc

extension PassthroughFS {
    /// GETLK: the first lock that would conflict with `lock`, or type F_UNLCK.
    public func getlk(handle id: UInt64, owner: UInt64, lock: FileLock) throws(FSError) -> FileLock {
        let h = try handle(id)
        let fd = try lockFD(h, owner: owner)
        var fl = try Self.flockStruct(lock)
        _ = try sys("F_OFD_GETLK") { strait_fcntl_lock(fd.raw, strait_F_OFD_GETLK, &fl) }
        if Int32(fl.l_type) == F_UNLCK {
            return FileLock(start: 0, end: 0, type: F_UNLCK, pid: 0)
        }
        let start = UInt64(max(0, fl.l_start))
        let end = fl.l_len == 0 ? UInt64(Int64.max) : start + UInt64(fl.l_len) - 1
        return FileLock(start: start, end: end, type: Int32(fl.l_type), pid: 0)
    }

    /// SETLK as an open-file-description lock, one description per FUSE lock owner so owners
    /// conflict with each other like processes do. Never blocks: a SETLKW that finds the lock
    /// busy is retried by the dispatcher off the queue thread (EAGAIN/EACCES mean "busy").
    public func setlk(handle id: UInt64, owner: UInt64, lock: FileLock) throws(FSError) {
        let h = try handle(id)
        if lock.type == F_UNLCK, h.inode.lockFDs.withLock({ $0[owner] }) == nil { return }
        let fd = try lockFD(h, owner: owner)
        var fl = try Self.flockStruct(lock)
        _ = try sys("F_OFD_SETLK") { strait_fcntl_lock(fd.raw, strait_F_OFD_SETLK, &fl) }
    }

    /// BSD flock on the handle's own open file description (FUSE_LK_FLOCK).
    /// Never blocks (LOCK_NB), like `setlk`.
    public func flock(handle id: UInt64, operation: Int32) throws(FSError) {
        let h = try handle(id)
        let op = operation & (LOCK_SH | LOCK_EX | LOCK_UN)
        guard op == LOCK_SH || op == LOCK_EX || op == LOCK_UN else { throw FSError.invalid("flock op") }
        _ = try sys("flock") { strait_flock(h.fd.raw, op | LOCK_NB) }
    }

    private func lockFD(_ h: Handle, owner: UInt64) throws(FSError) -> FileDescriptor {
        if let fd = h.inode.lockFDs.withLock({ $0[owner] }) { return fd }
        guard h.inode.isRegular else { throw FSError(errno: EINVAL, message: "lock on non-file") }
        let fd: FileDescriptor
        do {
            fd = try reopen(h.inode, flags: O_RDWR)
        } catch let error where error.errno == EACCES || error.errno == EROFS || error.errno == EPERM {
            fd = try reopen(h.inode, flags: h.flags & O_ACCMODE)
        }
        return h.inode.lockFDs.withLock { fds in
            if let existing = fds[owner] { return existing }
            fds[owner] = fd
            return fd
        }
    }

    /// Drops the lock description of `owner` (its locks go with it).
    func dropLocks(_ inode: Inode, owner: UInt64) {
        let dropped = inode.lockFDs.withLock { $0.removeValue(forKey: owner) }
        _ = dropped
    }

    private static func flockStruct(_ lock: FileLock) throws(FSError) -> Glibc.flock {
        guard lock.type == F_RDLCK || lock.type == F_WRLCK || lock.type == F_UNLCK else {
            throw FSError.invalid("lock type \(lock.type)")
        }
        guard lock.start <= UInt64(Int64.max), lock.end >= lock.start else {
            throw FSError.invalid("lock range")
        }
        var fl = Glibc.flock()
        fl.l_type = Int16(lock.type)
        fl.l_whence = Int16(SEEK_SET)
        fl.l_start = off_t(lock.start)
        fl.l_len = lock.end >= UInt64(Int64.max) ? 0 : off_t(lock.end - lock.start + 1)
        fl.l_pid = 0
        return fl
    }
}
