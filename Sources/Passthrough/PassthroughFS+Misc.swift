import CShims
import Glibc

extension PassthroughFS {
    public func statfs(node: UInt64) throws(FSError) -> statvfs {
        let fd = try pathFD(try inode(node))
        var st = statvfs()
        _ = try sys("fstatvfs") { fstatvfs(fd.raw, &st) }
        return st
    }

    /// SYNCFS: syncs the file system holding `node` (the root's for special files).
    public func syncfs(node: UInt64) throws(FSError) {
        var target = try inode(node)
        if !(target.isRegular || target.isDirectory) { target = try inode(InodeTable.rootNode) }
        let fd = try reopen(target, flags: O_RDONLY | (target.isDirectory ? O_DIRECTORY : 0))
        _ = try sys("syncfs") { strait_syncfs(fd.raw) }
    }

    /// ACCESS against the caller's uid/gid and the file's mode bits (root passes read/write,
    /// and execute when any execute bit is set or it is a directory), as the Rust virtiofsd.
    public func access(node: UInt64, mask: Int32, cred: Credentials) throws(FSError) {
        let (st, _) = try Self.statx(try pathFD(try inode(node)))
        if mask == F_OK { return }
        let mode = st.st_mode
        let denied = FSError(errno: EACCES, message: "access")
        if mask & R_OK != 0 && cred.uid != 0
            && !(cred.uid == st.st_uid && mode & Mode.rusr != 0)
            && !(cred.gid == st.st_gid && mode & Mode.rgrp != 0)
            && mode & Mode.roth == 0 { throw denied }
        if mask & W_OK != 0 && cred.uid != 0
            && !(cred.uid == st.st_uid && mode & Mode.wusr != 0)
            && !(cred.gid == st.st_gid && mode & Mode.wgrp != 0)
            && mode & Mode.woth == 0 { throw denied }
        if mask & X_OK != 0 {
            let anyExec = mode & (Mode.xusr | Mode.xgrp | Mode.xoth) != 0
            if cred.uid == 0 {
                if !anyExec && mode & FileType.mask != FileType.directory { throw denied }
            } else if !(cred.uid == st.st_uid && mode & Mode.xusr != 0)
                && !(cred.gid == st.st_gid && mode & Mode.xgrp != 0)
                && mode & Mode.xoth == 0 { throw denied }
        }
    }
}
