// Passthrough's share of the C shims: Linux calls that Swift's Glibc module hides behind
// _GNU_SOURCE (statx, setfsuid, xattrs, getdents64, ...), and the GNU constants they take.
#ifndef STRAIT_CSHIMS_PASSTHROUGH_H
#define STRAIT_CSHIMS_PASSTHROUGH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <fcntl.h>
#include <sys/stat.h>

/// fstatat(2) semantics via statx(2) that also reports the mount id (0 when the kernel has none).
int strait_statx(int dirfd, const char *path, int flags, struct stat *st, uint64_t *mnt_id);

/// setfsuid(2)/setfsgid(2) as raw syscalls: per thread on Linux. Return the previous id.
int strait_setfsuid(uint32_t uid);
int strait_setfsgid(uint32_t gid);

/// How many times this process's line has forked (glibc fork(), counted by a pthread_atfork
/// child handler registered on the first call): a value that changes in a forked child, read
/// without a system call (getpid(2) is one on every glibc since 2.25).
unsigned strait_fork_generation(void);

/// getdents64(2) into `buf`; returns bytes or -1. Records are parsed in Swift with a cursor.
ssize_t strait_getdents64(int fd, void *buf, size_t len);

/// Extended attributes. With `path` NULL the f* variant is used on `fd`; otherwise `path` is
/// resolved relative to directory `fd` following symlinks (the *xattrat syscalls of Linux 6.13,
/// else the same path under /proc/self/fd/<fd>/), so "N" relative to an open /proc/self/fd
/// names the inode of our descriptor N even when /proc is not mounted in our root.
ssize_t strait_getxattr(int fd, const char *path, const char *name, void *value, size_t size);
ssize_t strait_listxattr(int fd, const char *path, char *list, size_t size);
int strait_setxattr(int fd, const char *path, const char *name, const void *value, size_t size,
                    int flags);
int strait_removexattr(int fd, const char *path, const char *name);

int strait_fallocate(int fd, int mode, int64_t offset, int64_t len);
ssize_t strait_copy_file_range(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                               size_t len, unsigned int flags);
int strait_syncfs(int fd);
/// flock(2): Swift sees only the struct of that name.
int strait_flock(int fd, int operation);
/// fcntl(2) with a struct flock pointer (F_OFD_GETLK/SETLK/SETLKW).
int strait_fcntl_lock(int fd, int cmd, struct flock *lk);

/// openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS: the name can
/// neither leave `dirfd` nor pass through any symlink (an O_PATH|O_NOFOLLOW open of a final symlink
/// still returns the link). -1 with errno ENOSYS where the kernel has no openat2 (before 5.6).
int strait_openat_beneath(int dirfd, const char *path, int flags, unsigned int mode);

/// GNU and Linux constants, exported with the host architecture's values.
extern const int strait_O_PATH, strait_O_TMPFILE, strait_O_DIRECT, strait_O_NOATIME,
    strait_O_LARGEFILE, strait_AT_EMPTY_PATH, strait_SEEK_DATA, strait_SEEK_HOLE,
    strait_F_OFD_GETLK, strait_F_OFD_SETLK, strait_F_OFD_SETLKW, strait_RENAME_NOREPLACE,
    strait_RENAME_EXCHANGE, strait_RENAME_WHITEOUT, strait_XATTR_CREATE, strait_XATTR_REPLACE;
extern const long strait_UTIME_NOW, strait_UTIME_OMIT;

#endif
