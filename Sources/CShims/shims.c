#define _GNU_SOURCE
#include "CShims.h"
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

int strait_eventfd(unsigned int initval, int flags) { return eventfd(initval, flags); }

int strait_memfd_create(const char *name, unsigned int flags) { return memfd_create(name, flags); }

#define STRAIT_MAX_FDS 8

ssize_t strait_send_with_fds(int sock, const void *buf, size_t len, const int *fds, int nfds) {
    if (nfds < 0 || nfds > STRAIT_MAX_FDS) { errno = EINVAL; return -1; }
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    char control[CMSG_SPACE(sizeof(int) * STRAIT_MAX_FDS)];
    memset(control, 0, sizeof(control));
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (nfds > 0) {
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    ssize_t r;
    do { r = sendmsg(sock, &msg, MSG_NOSIGNAL); } while (r < 0 && errno == EINTR);
    return r;
}

ssize_t strait_recv_with_fds(int sock, void *buf, size_t len, int *fds, int max_fds, int *nfds,
                             int *truncated) {
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    char control[CMSG_SPACE(sizeof(int) * 253)];
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control, .msg_controllen = sizeof(control) };
    *nfds = 0;
    *truncated = 0;
    ssize_t r;
    do { r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (r < 0 && errno == EINTR);
    if (r < 0) return r;
    if (msg.msg_flags & MSG_CTRUNC) *truncated = 1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *passed = (int *)CMSG_DATA(c);
        for (int i = 0; i < n; i++) {
            if (*nfds < max_fds) fds[(*nfds)++] = passed[i];
            else { close(passed[i]); *truncated = 1; }
        }
    }
    return r;
}

int strait_accept_cloexec(int sock) {
    int r;
    do { r = accept4(sock, NULL, NULL, SOCK_CLOEXEC); } while (r < 0 && errno == EINTR);
    return r;
}

int strait_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                     unsigned int flags) {
    return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}

int strait_name_to_handle(int dirfd, const char *path, int flags, int *handle_type,
                          unsigned char *handle, int cap, int *mount_id) {
    char storage[sizeof(struct file_handle) + 128];
    struct file_handle *fh = (struct file_handle *)storage;
    fh->handle_bytes = 128;
    if (name_to_handle_at(dirfd, path, fh, mount_id, flags) < 0) return -1;
    if ((int)fh->handle_bytes > cap) { errno = EOVERFLOW; return -1; }
    *handle_type = fh->handle_type;
    memcpy(handle, fh->f_handle, fh->handle_bytes);
    return (int)fh->handle_bytes;
}

int strait_open_by_handle(int mount_fd, int handle_type, const unsigned char *handle, int len,
                          int flags) {
    if (len < 0 || len > 128) { errno = EINVAL; return -1; }
    char storage[sizeof(struct file_handle) + 128];
    struct file_handle *fh = (struct file_handle *)storage;
    fh->handle_bytes = (unsigned int)len;
    fh->handle_type = handle_type;
    memcpy(fh->f_handle, handle, (size_t)len);
    return open_by_handle_at(mount_fd, fh, flags);
}

uint16_t strait_load_acquire_u16(const void *p) {
    return __atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE);
}
void strait_store_release_u16(void *p, uint16_t v) {
    __atomic_store_n((uint16_t *)p, v, __ATOMIC_RELEASE);
}
uint32_t strait_load_acquire_u32(const void *p) {
    return __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE);
}
void strait_atomic_or_u8(void *p, uint8_t mask) { __atomic_fetch_or((uint8_t *)p, mask, __ATOMIC_RELAXED); }
void strait_fence_seq_cst(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

int strait_pin_thread(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

int strait_allowed_cpu(int index) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    for (int cpu = 0, seen = 0; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, &set) && seen++ == index) return cpu;
    }
    return -1;
}

void strait_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

int strait_fstatat(int dirfd, const char *path, struct stat *st, int flags) {
    return fstatat(dirfd, path, st, flags);
}

int strait_errno(void) { return errno; }
