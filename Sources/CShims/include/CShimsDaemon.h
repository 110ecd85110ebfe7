#ifndef CSHIMS_DAEMON_H
#define CSHIMS_DAEMON_H

/// Makes every mount below / a slave of the host's, recursively: host mounts still propagate in,
/// ours never propagate out (what both virtiofsd do before pivot_root).
int strait_mount_make_rslave(void);

/// Bind-mounts `path` onto itself, recursively, so it is a mount point pivot_root accepts.
int strait_bind_self(const char *path);

/// pivot_root(2), which the C library does not wrap.
int strait_pivot_root(const char *new_root, const char *put_old);

/// umount2(path, MNT_DETACH): lazily drops the old root after pivot_root.
int strait_umount_detach(const char *path);

#endif
