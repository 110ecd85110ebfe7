// straitd's confinement: namespaces, mount flags, capabilities, no_new_privs, seccomp.
// Own code over the kernel's interfaces (no libseccomp/libcap): one BPF allowlist, capset(2).
#define _GNU_SOURCE
#include "CShimsConfine.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

pid_t strait_fork_into_namespaces(void) {
    if (unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC) != 0) return -1;
    return fork();
}

int strait_die_with_parent(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }

static void strait_noop(int sig) { (void)sig; }

int strait_install_noop_handler(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = strait_noop;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL);
}

int strait_wait_signal(const int *signals, int count, pid_t *pid) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    siginfo_t info;
    int sig;
    do { sig = sigwaitinfo(&set, &info); } while (sig < 0 && errno == EINTR);
    if (sig > 0 && pid) *pid = info.si_pid;
    return sig;
}

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
struct strait_mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };
#define STRAIT_MOUNT_ATTR_RDONLY 0x1
#define STRAIT_MOUNT_ATTR_NOSUID 0x2
#define STRAIT_MOUNT_ATTR_NODEV 0x4
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

int strait_restrict_mounts(const char *path, int readonly) {
    struct strait_mount_attr attr = {
        .attr_set = STRAIT_MOUNT_ATTR_NODEV | STRAIT_MOUNT_ATTR_NOSUID | (readonly ? STRAIT_MOUNT_ATTR_RDONLY : 0),
    };
    if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) == 0) return 0;
    if (errno != ENOSYS) return -1;
    // Older kernels: a remount of the bind mount itself, keeping the flags it has.
    struct statvfs st;
    if (statvfs(path, &st) != 0) return -1;
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_NODEV | MS_NOSUID;
    if (readonly || (st.f_flag & ST_RDONLY)) flags |= MS_RDONLY;
    if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return mount(NULL, path, NULL, flags, NULL);
}

static int strait_capget(struct __user_cap_data_struct data[2]) {
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    return (int)syscall(SYS_capget, &header, data);
}

uint64_t strait_effective_capabilities(void) {
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (strait_capget(data) != 0) return 0;
    return (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);
}

static int strait_last_capability(void) {
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 40;
    char buf[16] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    int last = n > 0 ? atoi(buf) : 40;
    return last > 0 && last < 64 ? last : 40;
}

int strait_limit_capabilities(uint64_t keep) {
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (strait_capget(data) != 0) return -1;
    uint64_t permitted = (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
    // The bounding set first: dropping from it needs CAP_SETPCAP, which goes next.
    if (strait_effective_capabilities() & (1ULL << CAP_SETPCAP)) {
        int last = strait_last_capability();
        for (int cap = 0; cap <= last; cap++) {
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return -1;
        }
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    uint64_t kept = keep & permitted;  // what we never had cannot be kept
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    data[0].effective = data[0].permitted = (uint32_t)kept;
    data[1].effective = data[1].permitted = (uint32_t)(kept >> 32);
    data[0].inheritable = data[1].inheritable = 0;
    return (int)syscall(SYS_capset, &header, data);
}

int strait_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }

// Every system call straitd makes once it serves (found by reading the code and by running the
// whole test suite, E2E included, under --seccomp=trap; docs/security.md says why each is there).
// The filter tests them in order: the calls of the request hot path come first.
static const long allowlist[] = {
    // The hot path: kicks and interrupts, reads and writes, lookups, futexes.
    SYS_read, SYS_write, SYS_preadv, SYS_pwritev, SYS_ppoll, SYS_poll, SYS_futex, SYS_statx,
    SYS_newfstatat, SYS_fstat, SYS_openat, SYS_close, SYS_getdents64, SYS_getpid, SYS_clock_gettime,
    // Guest requests on the share.
    SYS_openat2, SYS_open_by_handle_at, SYS_name_to_handle_at, 
    SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64, 
    SYS_preadv2, SYS_pwritev2, SYS_lseek, SYS_fstatfs,
    SYS_statfs, SYS_mkdirat, SYS_mknodat, SYS_symlinkat, SYS_linkat, SYS_unlinkat,
    SYS_renameat, SYS_renameat2, SYS_readlinkat, SYS_fchmod, SYS_fchmodat, SYS_fchown,
    SYS_fchownat, SYS_ftruncate, SYS_utimensat, SYS_fsync, SYS_fdatasync, SYS_syncfs,
    SYS_fallocate, SYS_copy_file_range, SYS_fcntl, SYS_flock, SYS_fgetxattr, SYS_fsetxattr,
    SYS_flistxattr, SYS_fremovexattr, SYS_getxattr, SYS_setxattr, SYS_listxattr, SYS_removexattr,
    SYS_lgetxattr, SYS_lsetxattr, SYS_llistxattr, SYS_lremovexattr, SYS_setfsuid, SYS_setfsgid,
    SYS_umask, SYS_dup, SYS_dup3, SYS_fchdir, SYS_fadvise64, SYS_ioctl,
#ifdef SYS_fchmodat2
    SYS_fchmodat2,
#endif
#ifdef SYS_getxattrat
    SYS_getxattrat, SYS_setxattrat, SYS_listxattrat, SYS_removexattrat,
#endif
    // vhost-user: the frontend's socket, guest memory, eventfds, waiting.
    SYS_accept, SYS_accept4, SYS_recvmsg, SYS_sendmsg, SYS_recvfrom, SYS_shutdown, SYS_mmap, SYS_munmap,
    SYS_mremap, SYS_mprotect, SYS_madvise, SYS_brk, SYS_eventfd2, 
    SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_ctl, SYS_epoll_create1,
    // Threads, signals, time, the Swift runtime.
    SYS_clone, SYS_clone3, SYS_set_robust_list, SYS_rseq, SYS_rt_sigprocmask,
    SYS_rt_sigaction, SYS_rt_sigreturn, SYS_sigaltstack, SYS_rt_sigtimedwait, SYS_gettid,
    SYS_tgkill, SYS_exit, SYS_exit_group, SYS_getrandom, 
    SYS_clock_nanosleep, SYS_nanosleep, SYS_sched_yield, SYS_sched_getaffinity, SYS_prctl,
    SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid, SYS_restart_syscall, SYS_membarrier,
    SYS_capget,
};

static const long syslog_calls[] = { SYS_socket, SYS_connect, SYS_sendto };

int strait_seccomp_allowlist_count(void) { return (int)(sizeof allowlist / sizeof allowlist[0]); }
long strait_seccomp_allowlist_entry(int index) {
    return index >= 0 && index < strait_seccomp_allowlist_count() ? allowlist[index] : -1;
}

static void strait_sigsys(int sig, siginfo_t *info, void *context) {
    (void)sig; (void)context;
    char line[96];
    int n = snprintf(line, sizeof line, "straitd: seccomp: system call %d is not allowed\n", info->si_syscall);
    if (n > 0) { ssize_t ignored = write(STDERR_FILENO, line, (size_t)n); (void)ignored; }
    _exit(159);
}

#if defined(__x86_64__)
#define STRAIT_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define STRAIT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

int strait_install_seccomp(int action, int syslog) {
#ifndef STRAIT_AUDIT_ARCH
    (void)action; (void)syslog;
    errno = ENOSYS;
    return -1;
#else
    uint32_t deny;
    switch (action) {
    case 1: deny = SECCOMP_RET_KILL_PROCESS; break;
    case 2: deny = SECCOMP_RET_LOG; break;
    case 3: {
        deny = SECCOMP_RET_TRAP;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = strait_sigsys;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGSYS, &sa, NULL) != 0) return -1;
        break;
    }
    default: errno = EINVAL; return -1;
    }
    enum { MAX = 2 * 160 + 8 };
    struct sock_filter prog[MAX];
    int n = 0;
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, STRAIT_AUDIT_ARCH, 1, 0);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
    // x32 system calls (bit 30) are another ABI with their own numbers: never allowed.
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
    int count = strait_seccomp_allowlist_count();
    for (int i = 0; i < count + (syslog ? 3 : 0); i++) {
        long nr = i < count ? allowlist[i] : syslog_calls[i - count];
        if (n + 3 > MAX) { errno = E2BIG; return -1; }
        prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1);
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    }
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
    struct sock_fprog fprog = { .len = (unsigned short)n, .filter = prog };
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog);
#endif
}
