#define _GNU_SOURCE
#include "CShimsPassthrough.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/file.h>
#include <sys/xattr.h>

#include <stdatomic.h>

static atomic_uint strait_forks;
static void strait_count_fork(void) { atomic_fetch_add_explicit(&strait_forks, 1, memory_order_relaxed); }
static void strait_register_fork_counter(void) { pthread_atfork(NULL, NULL, strait_count_fork); }

unsigned strait_fork_generation(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, strait_register_fork_counter);
    return atomic_load_explicit(&strait_forks, memory_order_relaxed);
}

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

/* The *xattrat syscalls (Linux 6.13, same numbers on every architecture). */
#define STRAIT_NR_setxattrat 463
#define STRAIT_NR_getxattrat 464
#define STRAIT_NR_listxattrat 465
#define STRAIT_NR_removexattrat 466

struct strait_xattr_args {
    uint64_t value;
    uint32_t size;
    uint32_t flags;
};

static int strait_xattrat_missing;

/* True when the *at syscall should be tried (not known to be missing). */
static int xattrat_usable(void) { return !__atomic_load_n(&strait_xattrat_missing, __ATOMIC_RELAXED); }

/* After a failed *at call: whether to retry through /proc (ENOSYS, or EPERM from a filter). */
static int xattrat_fallback(void) {
    if (errno == ENOSYS) {
        __atomic_store_n(&strait_xattrat_missing, 1, __ATOMIC_RELAXED);
        return 1;
    }
    return errno == EPERM;
}

/* "/proc/self/fd/<fd>/<path>" (or `path` itself when absolute) into buf. */
static const char *proc_path(char *buf, size_t cap, int fd, const char *path) {
    if (path[0] == '/') return path;
    int n = snprintf(buf, cap, "/proc/self/fd/%d/%s", fd, path);
    if (n < 0 || (size_t)n >= cap) { errno = ENAMETOOLONG; return NULL; }
    return buf;
}

ssize_t strait_getxattr(int fd, const char *path, const char *name, void *value, size_t size) {
    if (!path) return fgetxattr(fd, name, value, size);
    if (xattrat_usable()) {
        struct strait_xattr_args a = { (uint64_t)(uintptr_t)value, (uint32_t)size, 0 };
        long r = syscall(STRAIT_NR_getxattrat, fd, path, 0, name, &a, sizeof(a));
        if (r >= 0 || !xattrat_fallback()) return r;
    }
    char buf[4200];
    const char *p = proc_path(buf, sizeof(buf), fd, path);
    return p ? getxattr(p, name, value, size) : -1;
}

ssize_t strait_listxattr(int fd, const char *path, char *list, size_t size) {
    if (!path) return flistxattr(fd, list, size);
    if (xattrat_usable()) {
        long r = syscall(STRAIT_NR_listxattrat, fd, path, 0, list, size);
        if (r >= 0 || !xattrat_fallback()) return r;
    }
    char buf[4200];
    const char *p = proc_path(buf, sizeof(buf), fd, path);
    return p ? listxattr(p, list, size) : -1;
}

int strait_setxattr(int fd, const char *path, const char *name, const void *value, size_t size,
                    int flags) {
    if (!path) return fsetxattr(fd, name, value, size, flags);
    if (xattrat_usable()) {
        struct strait_xattr_args a = { (uint64_t)(uintptr_t)value, (uint32_t)size, (uint32_t)flags };
        long r = syscall(STRAIT_NR_setxattrat, fd, path, 0, name, &a, sizeof(a));
        if (r >= 0 || !xattrat_fallback()) return (int)r;
    }
    char buf[4200];
    const char *p = proc_path(buf, sizeof(buf), fd, path);
    return p ? setxattr(p, name, value, size, flags) : -1;
}

int strait_removexattr(int fd, const char *path, const char *name) {
    if (!path) return fremovexattr(fd, name);
    if (xattrat_usable()) {
        long r = syscall(STRAIT_NR_removexattrat, fd, path, 0, name);
        if (r >= 0 || !xattrat_fallback()) return (int)r;
    }
    char buf[4200];
    const char *p = proc_path(buf, sizeof(buf), fd, path);
    return p ? removexattr(p, name) : -1;
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

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
struct strait_open_how { uint64_t flags, mode, resolve; };
#define STRAIT_RESOLVE_NO_MAGICLINKS 0x02
#define STRAIT_RESOLVE_NO_SYMLINKS 0x04
#define STRAIT_RESOLVE_BENEATH 0x08

int strait_openat_beneath(int dirfd, const char *path, int flags, unsigned int mode) {
    struct strait_open_how how = {
        .flags = (uint64_t)(unsigned int)flags,
        .mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0,
        .resolve = STRAIT_RESOLVE_BENEATH | STRAIT_RESOLVE_NO_MAGICLINKS | STRAIT_RESOLVE_NO_SYMLINKS,
    };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}
