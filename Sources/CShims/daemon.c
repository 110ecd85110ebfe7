#define _GNU_SOURCE
#include "CShimsDaemon.h"
#include <sched.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

int strait_mount_make_rslave(void) { return mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL); }

int strait_bind_self(const char *path) { return mount(path, path, NULL, MS_BIND | MS_REC, NULL); }

int strait_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int strait_umount_detach(const char *path) { return umount2(path, MNT_DETACH); }
