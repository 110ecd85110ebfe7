#!/bin/bash
# Strait guest correctness script: exercises a mounted shared directory from inside the guest.
# Usage: fs-correctness.sh DIR CACHE_MODE      (run as root in the guest; DIR is on the share)
# Prints one line per check: "PASS|FAIL|UNSUPPORTED name detail", then
# "SUMMARY pass=N fail=N unsupported=N". Exit status 0 iff nothing failed.
# Leaves DIR/tarx (extracted tree) and DIR/tarx.sha256 (its manifest) for the host to verify,
# and DIR/host-check.bin + DIR/host-check.sha256 (a file the guest wrote, with its checksum).
# Sizes are small on purpose: the guest may run under TCG. Environment knobs:
#   READDIR_COUNT (2000), TAR_FILES (2000), FIO_SIZE (8M).
set -u
DIR=${1:?usage: fs-correctness.sh DIR CACHE_MODE}
MODE=${2:-unknown}
READDIR_COUNT=${READDIR_COUNT:-2000}
TAR_FILES=${TAR_FILES:-2000}
FIO_SIZE=${FIO_SIZE:-8M}
LOCAL=$(mktemp -d /root/fscheck.XXXXXX)
W="$DIR/work"
pass=0 fail=0 unsupported=0

result() { # STATUS NAME DETAIL...
  local status=$1 name=$2; shift 2
  echo "$status $name $*"
  case $status in PASS) pass=$((pass+1));; FAIL) fail=$((fail+1));; UNSUPPORTED) unsupported=$((unsupported+1));; esac
}
check() { # NAME DETAIL COMMAND...: PASS if the command succeeds
  local name=$1 detail=$2; shift 2
  local out
  if out=$("$@" 2>&1); then result PASS "$name" "$detail"; else result FAIL "$name" "$detail: ${out//$'\n'/ | }"; fi
}
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }
sum() { sha256sum "$1" | cut -d' ' -f1; }

rm -rf "$W" "$DIR/tarx" "$DIR/tarx.sha256" "$DIR/host-check.bin" "$DIR/host-check.sha256"
if ! mkdir -p "$W"; then echo "FAIL setup cannot create $W"; echo "SUMMARY pass=0 fail=1 unsupported=0"; exit 1; fi
echo "INFO mode=$MODE dir=$DIR kernel=$(uname -r) mount=$(findmnt -n -o FSTYPE,OPTIONS --target "$DIR" | tr ' ' ',')"

# --- data ---------------------------------------------------------------------------------
head -c 1048576 /dev/urandom > "$LOCAL/blob"
t_create() {
  cp "$LOCAL/blob" "$W/blob" && drop_caches && [ "$(sum "$W/blob")" = "$(sum "$LOCAL/blob")" ]
}
check create_write_read "1 MiB random, sha256 after drop_caches" t_create

cp "$LOCAL/blob" "$DIR/host-check.bin" && sum "$LOCAL/blob" > "$DIR/host-check.sha256"

t_append() {
  printf 'abc' > "$W/app" && printf 'def' >> "$W/app" && printf 'ghi' >> "$W/app" &&
    drop_caches && [ "$(cat "$W/app")" = "abcdefghi" ] && [ "$(stat -c %s "$W/app")" = 9 ]
}
check append "three appends" t_append

# --- namespace ----------------------------------------------------------------------------
t_mkdir() { mkdir -p "$W/d1/d2/d3" && [ -d "$W/d1/d2/d3" ] && rmdir "$W/d1/d2/d3" "$W/d1/d2" "$W/d1" && [ ! -e "$W/d1" ]; }
check mkdir_rmdir "nested" t_mkdir

t_rmdir_notempty() { mkdir "$W/ne" && touch "$W/ne/f" && ! rmdir "$W/ne" 2>/dev/null && rm "$W/ne/f" && rmdir "$W/ne"; }
check rmdir_nonempty "ENOTEMPTY then empty" t_rmdir_notempty

t_rename() { echo one > "$W/r1" && mv "$W/r1" "$W/r2" && [ ! -e "$W/r1" ] && [ "$(cat "$W/r2")" = one ]; }
check rename "plain" t_rename

t_rename_over() {
  echo new > "$W/ro_src" && echo old > "$W/ro_dst" && mv -f "$W/ro_src" "$W/ro_dst" &&
    [ ! -e "$W/ro_src" ] && drop_caches && [ "$(cat "$W/ro_dst")" = new ]
}
check rename_over_existing "replaces target" t_rename_over

t_rename_dir() { mkdir -p "$W/rd/sub" && echo x > "$W/rd/sub/f" && mv "$W/rd" "$W/rd2" && [ "$(cat "$W/rd2/sub/f")" = x ]; }
check rename_dir "directory with contents" t_rename_dir

t_link() {
  echo linked > "$W/l1" && ln "$W/l1" "$W/l2" && [ "$(stat -c %h "$W/l1")" = 2 ] &&
    [ "$(stat -c %i "$W/l1")" = "$(stat -c %i "$W/l2")" ] && rm "$W/l1" && [ "$(cat "$W/l2")" = linked ] &&
    [ "$(stat -c %h "$W/l2")" = 1 ]
}
check hard_link "nlink and inode" t_link

t_symlink() {
  echo target > "$W/st" && ln -s st "$W/sl" && [ "$(readlink "$W/sl")" = st ] && [ "$(cat "$W/sl")" = target ] &&
    ln -s /nonexistent/abs "$W/sl_abs" && [ "$(readlink "$W/sl_abs")" = /nonexistent/abs ]
}
check symlink "relative and absolute targets" t_symlink

# --- attributes ---------------------------------------------------------------------------
t_chmod() { touch "$W/cm" && chmod 0640 "$W/cm" && [ "$(stat -c %a "$W/cm")" = 640 ] && chmod 4755 "$W/cm" && [ "$(stat -c %a "$W/cm")" = 4755 ]; }
check chmod "0640 and setuid 4755" t_chmod

t_chown() { touch "$W/co" && chown 1234:5678 "$W/co" && drop_caches && [ "$(stat -c %u:%g "$W/co")" = 1234:5678 ]; }
check chown "1234:5678" t_chown

t_utimes() {
  touch "$W/ut" && touch -m -d '2001-02-03 04:05:06 UTC' "$W/ut" && touch -a -d '2002-03-04 05:06:07 UTC' "$W/ut" &&
    drop_caches && [ "$(stat -c %Y "$W/ut")" = 981173106 ] && [ "$(stat -c %X "$W/ut")" = 1015218367 ]
}
check utimes "mtime and atime" t_utimes

t_truncate() {
  printf 'hello world' > "$W/tr" && truncate -s 5 "$W/tr" && [ "$(cat "$W/tr")" = hello ] &&
    truncate -s 100000 "$W/tr" && [ "$(stat -c %s "$W/tr")" = 100000 ] &&
    [ "$(tail -c 10 "$W/tr" | od -An -tx1 | tr -d ' \n')" = 00000000000000000000 ]
}
check truncate "shrink and extend with zeros" t_truncate

out=$(fallocate -l 1M "$W/fa" 2>&1)
if [ $? -eq 0 ] && [ "$(stat -c %s "$W/fa")" = 1048576 ]; then
  result PASS fallocate "1 MiB"
elif echo "$out" | grep -qi "not supported"; then
  result UNSUPPORTED fallocate "$out"
else
  result FAIL fallocate "$out"
fi

t_unlink_open() {
  perl -e '
    use strict; use Fcntl qw(SEEK_SET);
    my $p = shift; open(my $fh, "+>", $p) or die "open: $!";
    unlink($p) or die "unlink: $!"; -e $p and die "still visible";
    syswrite($fh, "survives unlink") == 15 or die "write: $!";
    sysseek($fh, 0, SEEK_SET) or die "seek: $!";
    sysread($fh, my $buf, 64) == 15 or die "read: $!"; $buf eq "survives unlink" or die "got $buf";
    my @st = stat($fh); $st[3] == 0 or die "nlink $st[3]"; close($fh) or die "close: $!";
  ' "$W/uwo"
}
check unlink_while_open "write/read/fstat after unlink" t_unlink_open

t_readdir() {
  mkdir "$W/many" && (cd "$W/many" && seq -f 'entry-%05g' 1 "$READDIR_COUNT" | xargs touch) &&
    drop_caches && [ "$(ls -f "$W/many" | wc -l)" = $((READDIR_COUNT + 2)) ] &&
    [ "$(find "$W/many" -type f | wc -l)" = "$READDIR_COUNT" ] &&
    [ "$(ls "$W/many" | sort | uniq | wc -l)" = "$READDIR_COUNT" ]
}
check readdir "$READDIR_COUNT entries, no duplicates" t_readdir

# --- fio ----------------------------------------------------------------------------------
fio_check() { # NAME ENGINE DIRECT EXTRA...
  local name=$1 engine=$2 direct=$3; shift 3
  local out
  out=$(fio --name="$name" --filename="$W/fio-$name" --size="$FIO_SIZE" --bs=4k --rw=write \
      --ioengine="$engine" --direct="$direct" --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 "$@" 2>&1)
  local rc=$?
  if [ $rc -eq 0 ] && ! echo "$out" | grep -qiE 'verify:.*bad|err= *[1-9]'; then
    result PASS "$name" "fio write+verify $FIO_SIZE ($engine, direct=$direct)"
  elif [ "$engine" = mmap ] && [ "$MODE" = none ] && echo "$out" | grep -q "No such device"; then
    # cache=none opens with FOPEN_DIRECT_IO; a 6.1 guest refuses shared mmap on it (ENODEV) without DAX.
    result UNSUPPORTED "$name" "expected on cache=none without DAX: $(echo "$out" | grep -m1 'No such device')"
  else
    result FAIL "$name" "rc=$rc $(echo "$out" | grep -iE 'error|bad|verify' | head -3 | tr '\n' ' ')"
  fi
  rm -f "$W/fio-$name"
}
fio_check fio_psync psync 0
fio_check fio_libaio_direct libaio 1 --iodepth=8
fio_check fio_mmap mmap 0

# --- xattrs -------------------------------------------------------------------------------
touch "$W/xa"
out=$(setfattr -n user.strait -v hello "$W/xa" 2>&1)
if [ $? -ne 0 ] && echo "$out" | grep -qi "not supported"; then
  result UNSUPPORTED xattr "daemon has xattrs off: $out"
else
  t_xattr() {
    [ "$(getfattr --only-values -n user.strait "$W/xa")" = hello ] &&
      setfattr -n user.second -v 2 "$W/xa" && getfattr -d "$W/xa" | grep -q 'user.second="2"' &&
      getfattr -d "$W/xa" | grep -q 'user.strait="hello"' &&
      setfattr -x user.strait "$W/xa" && ! getfattr -n user.strait "$W/xa" >/dev/null 2>&1 &&
      getfattr -d "$W/xa" | grep -q user.second
  }
  if [ -z "$out" ]; then check xattr "set/get/list/remove" t_xattr; else result FAIL xattr "$out"; fi
fi

# --- locks --------------------------------------------------------------------------------
t_flock() {
  touch "$W/fl" && flock -x -n "$W/fl" true || return 1
  flock -x "$W/fl" sleep 4 & local holder=$!
  sleep 1.5
  local rc=0
  flock -x -n "$W/fl" true 2>/dev/null && rc=1   # must be refused while held
  wait $holder
  [ $rc -eq 0 ] && flock -x -n "$W/fl" true      # and granted after release
}
check flock "exclusive, contended, released" t_flock

t_fcntl() {
  touch "$W/pl" && perl -e '
    use strict; use Fcntl qw(F_SETLK F_GETLK F_WRLCK F_UNLCK SEEK_SET);
    my $p = shift;
    sub lk { pack("s s x4 q q l x4", $_[0], SEEK_SET, 0, 0, 0) }
    open(my $fh, "+<", $p) or die "open: $!";
    fcntl($fh, F_SETLK, lk(F_WRLCK)) or die "parent lock: $!";
    my $pid = fork(); defined $pid or die "fork: $!";
    if ($pid == 0) {
      open(my $c, "+<", $p) or exit 10;
      exit(fcntl($c, F_SETLK, lk(F_WRLCK)) ? 11 : 0);   # must be refused (EAGAIN/EACCES)
    }
    waitpid($pid, 0); my $child = $? >> 8; $child == 0 or die "child got the lock (code $child)";
    my $q = lk(F_WRLCK); open(my $c2, "+<", $p) or die;
    fcntl($fh, F_SETLK, lk(F_UNLCK)) or die "unlock: $!";
    $pid = fork();
    if ($pid == 0) { open(my $c, "+<", $p) or exit 10; exit(fcntl($c, F_SETLK, lk(F_WRLCK)) ? 0 : 12) }
    waitpid($pid, 0); ($? >> 8) == 0 or die "lock not granted after unlock (code " . ($? >> 8) . ")";
  ' "$W/pl"
}
check fcntl_lock "F_SETLK conflict across processes, then release" t_fcntl

# --- tar ----------------------------------------------------------------------------------
# A deterministic tree of TAR_FILES files (sizes 0..~8 KiB) built on the guest's own disk,
# extracted into the share, checked in the guest; the manifest stays for the host to check.
t_tar() {
  perl -e '
    use strict; my ($root, $n) = @ARGV; mkdir $root;
    for my $i (0 .. $n - 1) {
      my $d = sprintf("%s/d%02d", $root, $i % 40); mkdir $d;
      open(my $f, ">", sprintf("%s/f%05d.txt", $d, $i)) or die "$!";
      print $f map { "file $i line $_\n" } 1 .. ($i * 7 % 400);
      close($f) or die "$!";
    }
  ' "$LOCAL/tree" "$TAR_FILES" || return 1
  (cd "$LOCAL/tree" && find . -type f | sort | xargs sha256sum > "$LOCAL/tree.sha256") || return 1
  tar -C "$LOCAL" -cf "$LOCAL/tree.tar" tree || return 1
  mkdir "$DIR/tarx" || return 1
  local t0=$(date +%s.%N)
  tar -C "$DIR/tarx" --no-same-owner -xf "$LOCAL/tree.tar" || return 1
  sync
  local t1=$(date +%s.%N)
  echo "$t0 $t1" | perl -ane 'printf "%.1f", $F[1]-$F[0]' > "$LOCAL/tar.seconds"
  cp "$LOCAL/tree.sha256" "$DIR/tarx.sha256" && drop_caches &&
    (cd "$DIR/tarx/tree" && sha256sum --quiet -c "$LOCAL/tree.sha256") &&
    [ "$(find "$DIR/tarx/tree" -type f | wc -l)" = "$TAR_FILES" ]
}
if out=$(t_tar 2>&1); then
  result PASS tar_extract "$TAR_FILES files verified by sha256 (extract $(cat "$LOCAL/tar.seconds") s)"
else
  result FAIL tar_extract "${out//$'\n'/ | }"
fi

rm -rf "$W" "$LOCAL"
echo "SUMMARY pass=$pass fail=$fail unsupported=$unsupported"
[ $fail -eq 0 ]
