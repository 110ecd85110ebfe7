// The namespace sandbox's waiting parent as a process of its own image. After the fork into the
// namespaces the parent only forwards signals, reaps the child and removes the socket; as a
// copy of the whole daemon it kept straitd's ~3.5 MiB resident (its binary's pages touched at
// startup), which doubled straitd's peak RSS summed over its processes (issue 11, memory). So
// the parent re-executes its own binary with a marker argv; this constructor runs before the
// Swift runtime, does the waiting in C and never returns: only the startup of a static binary
// becomes resident.
#define _GNU_SOURCE
#include "CShimsConfine.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STRAIT_WAITER_ARGV0 "straitd-sandbox-parent"
#define STRAIT_WAITER_MAX_SIGNALS 8

/// The daemon's argv as the process started with it (saved by the constructor below).
static int strait_daemon_argc;
static char **strait_daemon_argv;

int strait_exec_sandbox_parent(int exe_fd, pid_t child, int dir_fd, const char *name,
                               const int *signals, int count) {
    if (exe_fd < 0 || count < 0 || count > STRAIT_WAITER_MAX_SIGNALS) { errno = EINVAL; return -1; }
    // The socket's directory must survive the exec (F_DUPFD: the copy is not close-on-exec).
    int dir = dir_fd >= 0 ? fcntl(dir_fd, F_DUPFD, 3) : -1;
    if (dir_fd >= 0 && dir < 0) return -1;
    char spec[512];
    int n = snprintf(spec, sizeof spec, "%d %d %d", (int)child, dir, count);
    for (int i = 0; i < count && n > 0 && n < (int)sizeof spec; i++)
        n += snprintf(spec + n, sizeof spec - n, " %d", signals[i]);
    if (n > 0 && n < (int)sizeof spec) n += snprintf(spec + n, sizeof spec - n, " %s", name ? name : "");
    if (n <= 0 || n >= (int)sizeof spec) { if (dir >= 0) close(dir); errno = ENAMETOOLONG; return -1; }
    // The daemon's own arguments follow the marker: /proc/PID/cmdline of the process libvirt or
    // the harness started still says how straitd was run (the runner's configuration check and
    // its leftover sweep read it; so do people with ps).
    int argc = strait_daemon_argc > 0 && strait_daemon_argv ? strait_daemon_argc : 0;
    char **argv = calloc((size_t)argc + 3, sizeof(char *));
    if (!argv) { if (dir >= 0) close(dir); errno = ENOMEM; return -1; }
    argv[0] = STRAIT_WAITER_ARGV0;
    argv[1] = spec;
    for (int i = 0; i < argc; i++) argv[2 + i] = strait_daemon_argv[i];
    char *envp[] = { NULL };
    syscall(SYS_execveat, exe_fd, "", argv, envp, AT_EMPTY_PATH);
    int saved = errno;
    free(argv);
    if (dir >= 0) close(dir);
    errno = saved;
    return -1;
}

/// Writes "what" to stderr (the daemon's log) in one write.
static void strait_waiter_say(const char *what) {
    ssize_t n = write(2, what, strlen(what));
    (void)n;
}

void strait_exit_as_child(int status) {
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (sig > 0) {
        char line[200];
        snprintf(line, sizeof line, "straitd: the sandbox's serving child was killed by signal %d%s; its waiting parent ends the same way\n",
                 sig, WCOREDUMP(status) ? " (core dumped)" : "");
        strait_waiter_say(line);
        if (!WCOREDUMP(status)) {
            // The child left no core: neither does this waiter (one of it would only mislead).
            struct rlimit none = { 0, 0 };
            setrlimit(RLIMIT_CORE, &none);
        }
        // Else this waiter dumps too: the kernel sets a wait status's core flag only for a process
        // whose own core was written. Its core is as small as a core gets: the daemon set its
        // coredump_filter to 0 before the exec (Sandbox.swift; /proc is out of reach here), which
        // leaves out every mapping but the vDSO. The child's core is the evidence (the log line
        // above says so); this one only carries the flag. With a relative core_pattern it lands in
        // this process's working directory (the socket's, where the caller put us), not where the
        // child's went (the shared directory, its root).
        signal(sig, SIG_DFL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        kill(getpid(), sig);
    }
    // Not reached for a signal that ends a process; kept for one whose default is to continue.
    _exit(128 + sig);
}

/// "CHILD DIRFD COUNT SIG... NAME" (the daemon's own arguments follow, unread): forwards the signals to CHILD, and when it is gone removes
/// NAME under DIRFD if it is still a socket, then ends as the child did (its status, or its signal).
static void strait_sandbox_parent(const char *spec) {
    char *end;
    long child = strtol(spec, &end, 10);
    long dir = strtol(end, &end, 10);
    long count = strtol(end, &end, 10);
    if (child <= 0 || count < 0 || count > STRAIT_WAITER_MAX_SIGNALS) _exit(70);
    int signals[STRAIT_WAITER_MAX_SIGNALS + 1];
    for (long i = 0; i < count; i++) signals[i] = (int)strtol(end, &end, 10);
    signals[count] = SIGCHLD;
    const char *name = *end == ' ' ? end + 1 : end;
    for (;;) {
        pid_t sender = 0;
        int sig = strait_wait_signal(signals, (int)count + 1, &sender);
        if (sig < 0) _exit(71);
        if (sig != SIGCHLD) { kill((pid_t)child, sig); continue; }
        int status = 0;
        if (waitpid((pid_t)child, &status, WNOHANG) != (pid_t)child) continue;
        struct stat st;
        if (dir >= 0 && *name && fstatat((int)dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode))
            unlinkat((int)dir, name, 0);
        // Its own core, if the child's death calls for one, goes beside the socket (see below).
        if (dir >= 0 && fchdir((int)dir) != 0) { /* stays where it was */ }
        strait_exit_as_child(status);
    }
}

// glibc calls init_array entries with (argc, argv, envp), static binaries included. Priority
// 101: before the default-priority constructors.
__attribute__((constructor(101))) static void strait_sandbox_parent_entry(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc >= 2 && argv && argv[0] && strcmp(argv[0], STRAIT_WAITER_ARGV0) == 0) strait_sandbox_parent(argv[1]);
    strait_daemon_argc = argc;
    strait_daemon_argv = argv;
}
