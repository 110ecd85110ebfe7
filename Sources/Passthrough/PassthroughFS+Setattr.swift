import CShims
import Glibc

extension PassthroughFS {
    /// SETATTR in virtiofsd's order: mode, owner, size, times. Uses the open handle when the
    /// guest gave one, else the pinned inode through /proc/self/fd (never a path).
    public func setattr(node: UInt64, handle: UInt64? = nil, changes: SetAttr,
                        cred: Credentials? = nil) throws(FSError) -> stat
    {
        let inode = try inode(node)
        let open = handle.flatMap { handles.get($0) }.flatMap { $0.inode.node == node ? $0 : nil }
        let pathFD = try pathFD(inode)
        let procName = pathFD.procName

        if let mode = changes.mode {
            if let open {
                _ = try sys("fchmod") { fchmod(open.fd.raw, mode_t(mode & 0o7777)) }
            } else {
                _ = try sys("chmod") { fchmodat(procDir, procName, mode_t(mode & 0o7777), 0) }
            }
        }
        if changes.uid != nil || changes.gid != nil {
            let uid = changes.uid ?? UInt32.max
            let gid = changes.gid ?? UInt32.max
            _ = try sys("chown") {
                fchownat(pathFD.raw, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)
            }
        }
        if let size = changes.size {
            guard size <= UInt64(Int64.max) else { throw FSError.invalid("size too large") }
            guard inode.isRegular else {
                throw FSError(errno: inode.isDirectory ? EISDIR : EINVAL, message: "truncate")
            }
            let fd: FileDescriptor
            if let open, open.flags & O_ACCMODE != O_RDONLY {
                fd = open.fd
            } else {
                // As the daemon: /proc/self/fd is not reachable with the guest's fsuid, and the
                // guest kernel has checked write permission (virtio-fs mounts default_permissions).
                fd = try reopen(inode, flags: O_WRONLY)
            }
            _ = try sys("ftruncate") { ftruncate(fd.raw, off_t(size)) }
        }
        if changes.atime != nil || changes.mtime != nil {
            var times = [Self.timespec(changes.atime), Self.timespec(changes.mtime)]
            if let open {
                _ = try sys("futimens") { futimens(open.fd.raw, &times) }
            } else if inode.isSymlink {
                _ = try sys("utimensat") {
                    utimensat(pathFD.raw, "", &times, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)
                }
            } else {
                _ = try sys("utimensat") { utimensat(procDir, procName, &times, 0) }
            }
        }
        if changes.killSuidgid && changes.mode == nil {
            try killPrivileges(inode)
        }
        return try Self.statx(pathFD).0
    }

    private static func timespec(_ change: TimeChange?) -> Glibc.timespec {
        switch change {
        case nil: return Glibc.timespec(tv_sec: 0, tv_nsec: strait_UTIME_OMIT)
        case .now: return Glibc.timespec(tv_sec: 0, tv_nsec: strait_UTIME_NOW)
        case .set(let seconds, let nanoseconds):
            return Glibc.timespec(tv_sec: Int(seconds), tv_nsec: Int(min(nanoseconds, 999_999_999)))
        }
    }

    /// killpriv_v2: what the host kernel does when an unprivileged user writes or truncates, and
    /// does not do for us because we hold CAP_FSETID: clear set-user-id, and set-group-id when
    /// group-executable (should_remove_suid). File capabilities need nothing: the kernel drops
    /// security.capability on every write and truncate, privileged or not.
    func killPrivileges(_ inode: Inode) throws(FSError) {
        guard inode.isRegular else { return }
        try killSuidgid(pathFD: try pathFD(inode), inode: inode)
    }

    private func killSuidgid(pathFD: FileDescriptor, inode: Inode) throws(FSError) {
        let (st, _) = try Self.statx(pathFD)
        var mode = st.st_mode & 0o7777
        var kill: UInt32 = Mode.suid
        if mode & Mode.xgrp != 0 { kill |= Mode.sgid }
        guard mode & kill != 0 else { return }
        mode &= ~kill
        let name = pathFD.procName
        _ = try sys("chmod (kill suid/sgid)") { fchmodat(procDir, name, mode_t(mode), 0) }
    }
}
