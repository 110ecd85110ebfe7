// A child that straitd's own seccomp filter kills: the real thing a kernel audit record is made
// of, for the test that reads that record back (Tests/PosixTests/SeccompKillTests.swift).
#include "CShimsConfine.h"
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

pid_t strait_spawn_seccomp_victim(long nr) {
    pid_t child = fork();
    if (child != 0) return child;
    // Only async-signal-safe calls from here: the parent may have had threads.
    prctl(PR_SET_NAME, "strait-victim", 0, 0, 0);
    if (strait_no_new_privs() != 0 || strait_install_seccomp(1, 0) != 0) _exit(2);
    syscall(nr, 0, 0, 0, 0, 0, 0);
    _exit(3);  // the call was allowed: nothing killed
}
