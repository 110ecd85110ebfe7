#define _GNU_SOURCE
#include "CShimsPassthrough.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/file.h>
#include <sys/xattr.h>

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

int strait_statx(int dirfd, const char *path, int flags, struct stat *st, uint64_t *mnt_id) {
    struct statx sx;
    memset(&sx, 0, sizeof(sx));
    if (statx(dirfd, path, flags, STATX_BASIC_STATS | STATX_MNT_ID, &sx) < 0) return -1;
    memset(st, 0, sizeof(*st));
    st->st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    st->st_ino = sx.stx_ino;
    st->st_mode = sx.stx_mode;
    st->st_nlink = sx.stx_nlink;
    st->st_uid = sx.stx_uid;
    st->st_gid = sx.stx_gid;
    st->st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
    st->st_size = (off_t)sx.stx_size;
    st->st_blksize = (blksize_t)sx.stx_blksize;
    st->st_blocks = (blkcnt_t)sx.stx_blocks;
    st->st_atim.tv_sec = sx.stx_atime.tv_sec;
    st->st_atim.tv_nsec = sx.stx_atime.tv_nsec;
    st->st_mtim.tv_sec = sx.stx_mtime.tv_sec;
    st->st_mtim.tv_nsec = sx.stx_mtime.tv_nsec;
    st->st_ctim.tv_sec = sx.stx_ctime.tv_sec;
    st->st_ctim.tv_nsec = sx.stx_ctime.tv_nsec;
    *mnt_id = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
    return 0;
}

int strait_setfsuid(uint32_t uid) { return (int)syscall(SYS_setfsuid, uid); }
int strait_setfsgid(uint32_t gid) { return (int)syscall(SYS_setfsgid, gid); }

ssize_t strait_getdents64(int fd, void *buf, size_t len) {
    return syscall(SYS_getdents64, fd, buf, len);
}

ssize_t strait_getxattr(int fd, const char *path, const char *name, void *value, size_t size) {
    return path ? getxattr(path, name, value, size) : fgetxattr(fd, name, value, size);
}
ssize_t strait_listxattr(int fd, const char *path, char *list, size_t size) {
    return path ? listxattr(path, list, size) : flistxattr(fd, list, size);
}
int strait_setxattr(int fd, const char *path, const char *name, const void *value, size_t size,
                    int flags) {
    return path ? setxattr(path, name, value, size, flags)
                : fsetxattr(fd, name, value, size, flags);
}
int strait_removexattr(int fd, const char *path, const char *name) {
    return path ? removexattr(path, name) : fremovexattr(fd, name);
}

int strait_fallocate(int fd, int mode, int64_t offset, int64_t len) {
    return fallocate(fd, mode, (off_t)offset, (off_t)len);
}
ssize_t strait_copy_file_range(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                               size_t len, unsigned int flags) {
    off_t in = (off_t)*off_in, out = (off_t)*off_out;
    ssize_t r = copy_file_range(fd_in, &in, fd_out, &out, len, flags);
    *off_in = in;
    *off_out = out;
    return r;
}
int strait_syncfs(int fd) { return syncfs(fd); }
int strait_flock(int fd, int operation) { return flock(fd, operation); }
int strait_fcntl_lock(int fd, int cmd, struct flock *lk) { return fcntl(fd, cmd, lk); }

const int strait_O_PATH = O_PATH, strait_O_TMPFILE = O_TMPFILE, strait_O_DIRECT = O_DIRECT,
          strait_O_NOATIME = O_NOATIME, strait_O_LARGEFILE = O_LARGEFILE,
          strait_AT_EMPTY_PATH = AT_EMPTY_PATH, strait_SEEK_DATA = SEEK_DATA,
          strait_SEEK_HOLE = SEEK_HOLE, strait_F_OFD_GETLK = F_OFD_GETLK,
          strait_F_OFD_SETLK = F_OFD_SETLK, strait_F_OFD_SETLKW = F_OFD_SETLKW,
          strait_RENAME_NOREPLACE = RENAME_NOREPLACE, strait_RENAME_EXCHANGE = RENAME_EXCHANGE,
          strait_RENAME_WHITEOUT = RENAME_WHITEOUT, strait_XATTR_CREATE = XATTR_CREATE,
          strait_XATTR_REPLACE = XATTR_REPLACE;
const long strait_UTIME_NOW = UTIME_NOW, strait_UTIME_OMIT = UTIME_OMIT;
