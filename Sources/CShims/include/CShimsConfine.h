#ifndef CSHIMS_CONFINE_H
#define CSHIMS_CONFINE_H

#include <stdint.h>
#include <sys/types.h>

/// unshare(2) of the PID, mount, network and IPC namespaces, then fork(2): the child is PID 1 of
/// the new PID namespace. Returns the child's pid in the parent, 0 in the child, -1 on error.
/// SIGCHLD must be blocked by the caller (the parent waits for it with sigwaitinfo).
pid_t strait_fork_into_namespaces(void);

/// PR_SET_PDEATHSIG: the child dies with its waiting parent.
int strait_die_with_parent(int sig);

/// Installs a handler that does nothing for `sig`: a PID namespace's init only receives signals
/// it handles; blocked, they still reach sigwait.
int strait_install_noop_handler(int sig);

/// Waits for one of the blocked signals in `set`; returns it, and the pid that sent or (for
/// SIGCHLD) caused it.
int strait_wait_signal(const int *signals, int count, pid_t *pid);

/// The namespace sandbox's parent re-executes its own binary (`exe_fd`, opened before the fork)
/// as a small waiter (sandbox_parent.c): it forwards `signals` to `child`, removes the socket
/// `name` under `dir_fd` (if still a socket) once the child is gone, and exits as the child did.
/// Those signals and SIGCHLD must be blocked (the mask survives the exec). Returns only on
/// failure (-1, errno), with nothing changed.
/// Ends the process as a reaped child ended (`status` from waitpid): with its exit status, or
/// killed by the same signal (default disposition restored, unblocked), so whoever waits for the
/// sandbox's parent sees "killed by signal N", not 128+N, and "core dumped" when the child's
/// status says so (this process then dumps a core with no mappings in it, since the kernel sets
/// the flag only for a written core; otherwise it writes none). Says which on stderr. Never returns.
void strait_exit_as_child(int status) __attribute__((noreturn));

int strait_exec_sandbox_parent(int exe_fd, pid_t child, int dir_fd, const char *name,
                               const int *signals, int count);

/// Sets nodev and nosuid (and rdonly with `readonly`) on the mount at `path` and every mount
/// below it (mount_setattr with AT_RECURSIVE, Linux 5.12+; else a remount of `path` alone,
/// keeping its other flags). 0 on success.
int strait_restrict_mounts(const char *path, int readonly);

/// Keeps exactly the capabilities in `keep` (bit n = capability n) in the effective and
/// permitted sets, clears the inheritable and ambient sets, and empties the bounding set when we
/// may (CAP_SETPCAP). 0 on success, -1 with errno.
int strait_limit_capabilities(uint64_t keep);

/// The process's effective capabilities (bit n = capability n), for logs and tests.
uint64_t strait_effective_capabilities(void);

/// PR_SET_NO_NEW_PRIVS.
int strait_no_new_privs(void);

/// Installs straitd's seccomp allowlist on every thread (TSYNC). `action`: 1 kill the process,
/// 2 log, 3 trap (SIGSYS: the call is named on stderr, then the process exits 159).
/// `syslog` adds socket/connect/sendto. 0 on success, -1 with errno.
int strait_install_seccomp(int action, int syslog);

/// How many system calls the allowlist names (for docs and tests), and the n-th one's number.
int strait_seccomp_allowlist_count(void);
long strait_seccomp_allowlist_entry(int index);

/// Forks a child (named "strait-victim") that installs straitd's filter with the kill-process
/// action and calls system call `nr` with zero arguments: a call outside the allowlist kills it
/// (SIGSYS, with a kernel audit record). The child exits 2 if the filter could not be installed,
/// 3 if the call was allowed. Returns the child's pid (-1 on error); the caller reaps it.
pid_t strait_spawn_seccomp_victim(long nr);

#endif
