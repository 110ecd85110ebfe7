/// The "guest" side of DispatcherKernelTests: file operations through a real kernel FUSE mount
/// served by the dispatcher, each checked against the host directory behind it.
/// argv: mountpoint hostdir. Exit 0 when every check holds; failures are printed.
let dispatcherKernelScript = #"""
import errno, fcntl, hashlib, os, stat, sys, time
mnt, host = sys.argv[1], sys.argv[2]
failures = []
def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
def m(*p): return os.path.join(mnt, *p)
def h(*p): return os.path.join(host, *p)

# create / write / read back with checksums, both sides
data = os.urandom(3 * 1024 * 1024 + 123)
with open(m("big"), "wb") as f: f.write(data)
with open(m("big"), "rb") as f: back = f.read()
check(back == data, "read back through the mount")
with open(h("big"), "rb") as f: check(hashlib.sha256(f.read()).digest() == hashlib.sha256(data).digest(), "host sees guest data")
# append
with open(m("big"), "ab") as f: f.write(b"tail")
check(os.path.getsize(h("big")) == len(data) + 4, "append size on host")
# host-written file read through the mount
with open(h("fromhost"), "wb") as f: f.write(b"hello from host")
with open(m("fromhost"), "rb") as f: check(f.read() == b"hello from host", "host file through mount")
# mkdir / rmdir / readdir of 2000 entries
os.mkdir(m("d"))
for i in range(2000): open(m("d", "f%04d" % i), "w").close()
names = os.listdir(m("d"))
check(len(names) == 2000 and set(names) == set("f%04d" % i for i in range(2000)), "readdir 2000 (%d)" % len(names))
check(len(os.listdir(h("d"))) == 2000, "host has 2000 entries")
for n in names: os.unlink(m("d", n))
os.rmdir(m("d"))
check(not os.path.exists(h("d")), "rmdir on host")
# rename, also over an existing file; rename noreplace through link()
with open(m("a"), "w") as f: f.write("A")
with open(m("b"), "w") as f: f.write("B")
os.rename(m("a"), m("b"))
check(open(h("b")).read() == "A" and not os.path.exists(h("a")), "rename over existing")
# hard link, symlink
os.link(m("b"), m("b2"))
check(os.stat(m("b")).st_nlink == 2 and os.stat(h("b")).st_ino == os.stat(h("b2")).st_ino, "hard link")
os.symlink("b", m("sl"))
check(os.readlink(m("sl")) == "b" and os.readlink(h("sl")) == "b", "symlink")
check(open(m("sl")).read() == "A", "follow symlink")
# chmod / chown / utimes / truncate / fallocate
os.chmod(m("b"), 0o640)
check(stat.S_IMODE(os.stat(h("b")).st_mode) == 0o640, "chmod")
os.chown(m("b"), 1234, 5678)
st = os.stat(h("b")); check((st.st_uid, st.st_gid) == (1234, 5678), "chown")
os.utime(m("b"), ns=(1_000_000_000_123, 2_000_000_000_456))
st = os.stat(h("b")); check(st.st_mtime_ns == 2_000_000_000_456, "utimes mtime %d" % st.st_mtime_ns)
os.truncate(m("big"), 1000)
check(os.path.getsize(h("big")) == 1000, "truncate")
fd = os.open(m("alloc"), os.O_CREAT | os.O_RDWR, 0o644)
os.posix_fallocate(fd, 0, 1 << 20)
check(os.path.getsize(h("alloc")) == 1 << 20, "fallocate")
os.close(fd)
# unlink while open
fd = os.open(m("ghost"), os.O_CREAT | os.O_RDWR, 0o644)
os.write(fd, b"still here")
os.unlink(m("ghost"))
check(not os.path.exists(h("ghost")), "unlinked on host")
check(os.pread(fd, 10, 0) == b"still here", "read after unlink")
os.close(fd)
# xattrs
try:
    os.setxattr(m("b"), "user.k", b"v1")
    check(os.getxattr(m("b"), "user.k") == b"v1" and os.getxattr(h("b"), "user.k") == b"v1", "xattr get")
    check("user.k" in os.listxattr(m("b")), "xattr list")
    os.removexattr(m("b"), "user.k")
    check("user.k" not in os.listxattr(h("b")), "xattr remove")
except OSError as e:
    check(False, "xattr: %s" % e)
# copy_file_range, lseek SEEK_DATA
with open(m("src"), "wb") as f: f.write(b"x" * 10000)
fi = os.open(m("src"), os.O_RDONLY); fo = os.open(m("dst"), os.O_CREAT | os.O_WRONLY, 0o644)
n = os.copy_file_range(fi, fo, 10000)
os.close(fi); os.close(fo)
check(n == 10000 and open(h("dst"), "rb").read() == b"x" * 10000, "copy_file_range")
# statfs
sv = os.statvfs(mnt); hv = os.statvfs(host)
check(sv.f_blocks == hv.f_blocks and sv.f_bsize == hv.f_bsize, "statfs")
# fcntl locks: a blocked F_SETLKW in a child completes once the parent unlocks
fd = os.open(m("lock"), os.O_CREAT | os.O_RDWR, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    fd2 = os.open(m("lock"), os.O_RDWR)
    try:
        fcntl.lockf(fd2, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os._exit(3)   # must have been refused
    except OSError:
        pass
    t0 = time.time()
    fcntl.lockf(fd2, fcntl.LOCK_EX)   # SETLKW
    os.write(w, b"%f" % (time.time() - t0))
    os._exit(0)
time.sleep(0.5)
fcntl.lockf(fd, fcntl.LOCK_UN)
_, status = os.waitpid(pid, 0)
waited = float(os.read(r, 64) or b"0")
check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "lock child status %d" % status)
check(waited >= 0.3, "SETLKW waited %.3f s" % waited)
os.close(fd)
# flock
fd = os.open(m("lock"), os.O_RDWR); fd2 = os.open(m("lock"), os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
try:
    fcntl.flock(fd2, fcntl.LOCK_EX | fcntl.LOCK_NB); check(False, "flock conflict not detected")
except OSError as e:
    check(e.errno in (errno.EAGAIN, errno.EWOULDBLOCK), "flock errno %d" % e.errno)
fcntl.flock(fd, fcntl.LOCK_UN)
fcntl.flock(fd2, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.close(fd); os.close(fd2)
# O_TMPFILE
try:
    fd = os.open(mnt, os.O_TMPFILE | os.O_RDWR, 0o600)
    os.write(fd, b"anon"); check(os.pread(fd, 4, 0) == b"anon", "tmpfile io"); os.close(fd)
except OSError as e:
    check(False, "O_TMPFILE: %s" % e)
print("checks done, %d failures" % len(failures), flush=True)
sys.exit(1 if failures else 0)
"""#
