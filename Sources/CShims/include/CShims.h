// The only C in Strait: what Swift cannot reach directly (CMSG_* macros, eventfd, renameat2,
// file handles, memory ordering on guest memory), one prefixed function each, plus the kernel's
// own headers so tests can check every Swift codec against them.
#ifndef STRAIT_CSHIMS_H
#define STRAIT_CSHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <linux/fuse.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_fs.h>
#include "CShimsPassthrough.h"

/// eventfd(2); returns the fd or -1 with errno.
int strait_eventfd(unsigned int initval, int flags);

/// memfd_create(2); returns the fd or -1 with errno.
int strait_memfd_create(const char *name, unsigned int flags);

/// sendmsg(2) of `len` bytes with up to 8 fds as SCM_RIGHTS. Returns bytes sent or -1.
ssize_t strait_send_with_fds(int sock, const void *buf, size_t len, const int *fds, int nfds);

/// recvmsg(2) into `buf`, collecting up to `max_fds` passed fds into `fds` (count in *nfds).
/// Fds beyond `max_fds` are closed, never leaked. Sets *truncated when the control data was cut.
ssize_t strait_recv_with_fds(int sock, void *buf, size_t len, int *fds, int max_fds, int *nfds,
                             int *truncated);

/// accept4(2) with SOCK_CLOEXEC, retrying EINTR.
int strait_accept_cloexec(int sock);

/// renameat2(2) with RENAME_* flags.
int strait_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                     unsigned int flags);

/// name_to_handle_at(2): writes the opaque handle (up to `cap` bytes) and mount id.
/// Returns the handle length, or -1 with errno.
int strait_name_to_handle(int dirfd, const char *path, int flags, int *handle_type,
                          unsigned char *handle, int cap, int *mount_id);

/// open_by_handle_at(2) with a handle from strait_name_to_handle.
int strait_open_by_handle(int mount_fd, int handle_type, const unsigned char *handle, int len,
                          int flags);

/// Acquire load / release store of a 16-bit index that another process (the guest) writes.
uint16_t strait_load_acquire_u16(const void *p);
void strait_store_release_u16(void *p, uint16_t v);
uint32_t strait_load_acquire_u32(const void *p);
/// Atomic OR into one byte of the shared dirty-page log.
void strait_atomic_or_u8(void *p, uint8_t mask);
/// Full barrier between publishing the used index and reading the guest's event index.
void strait_fence_seq_cst(void);
/// A spin-wait hint (x86 PAUSE, arm YIELD): a polling queue thread spins kinder to its sibling hyperthread.
void strait_cpu_relax(void);
/// Pins the calling thread to one CPU (sched_setaffinity); 0 or -1 with errno.
int strait_pin_thread(int cpu);
/// The `index`-th CPU the calling thread may run on, or -1 when there are not that many.
int strait_allowed_cpu(int index);

/// statx(2) of a path relative to dirfd; fills the Linux stat view of the result.
int strait_fstatat(int dirfd, const char *path, struct stat *st, int flags);

/// The C library's errno, readable after a failed call made from Swift through these shims.
int strait_errno(void);

#include "CShimsDaemon.h"
#include "CShimsConfine.h"

#endif
