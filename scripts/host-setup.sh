#!/bin/bash
# Installs and starts what Strait needs on a Debian bookworm host, idempotently:
# QEMU (vhost-user-fs-pci), libvirt (daemon, client, C headers), libguestfs (C headers, tools),
# fio, debootstrap, OpenSSH client and server (binaries only), FUSE, the reference daemons (scripts/install-peers.sh)
# and QEMU 11.1 for DAX cells (scripts/install-qemu-dax.sh, a private root under /opt/strait-qemu-11).
# Starts virtlogd and libvirtd when they are not running (no systemd on these machines).
# Usage: scripts/host-setup.sh [--no-daemons]     Needs root (or sudo) and apt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export DEBIAN_FRONTEND=noninteractive
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

# A failed step leaves the host as it found it: the trap puts back the policy-rc.d this script
# replaced (or removes the one it added) and stops the daemons it started.
policy=/usr/sbin/policy-rc.d
policy_backup=
policy_placed=false
started=()
cleanup() {
  local status=$?
  if $policy_placed; then
    if [ -n "$policy_backup" ]; then $SUDO mv -f "$policy_backup" "$policy"; else $SUDO rm -f "$policy"; fi
    policy_placed=false
  fi
  if [ "$status" != 0 ]; then
    for name in "${started[@]}"; do $SUDO pkill -x "$name" || true; done
    echo "host-setup: failed (exit $status); host left as it was found" >&2
  fi
  exit "$status"
}
trap cleanup EXIT

packages=(
  qemu-system-x86 qemu-utils qemu-system-common
  libvirt-daemon-system libvirt-clients libvirt-dev
  libsqlite3-dev  # the result history: GRDB links the system SQLite
  libguestfs-tools libguestfs-dev
  fio debootstrap openssh-client fuse3
  # sshfs cells: the runner starts its own sshd per run (127.0.0.1, high port, own key and
  # config under the run directory); the system sshd is never configured or started.
  openssh-server attr acl e2fsprogs xz-utils
  pkg-config linux-libc-dev
  # VM harness: mmdebstrap builds guest trees; libguestfs's supermin appliance needs a host
  # kernel in /boot and /lib/modules (also what the KVM probe boots before any image exists).
  mmdebstrap zstd linux-image-amd64
  # The HTML report is checked in a real headless browser (ReportsTests: HTMLBrowserTests).
  chromium
  # The gate's instruction counts: the daemon under valgrind's cachegrind (no PMU here); binutils'
  # objcopy strips the DWARF bookworm's valgrind 3.19 cannot read from a copy of the daemon.
  valgrind binutils
  # strait-load --syscalls: every daemon's system calls per request (strace -f -c; the C
  # virtiofsd, which valgrind cannot count in its sandbox, included).
  strace
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "host-setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -q >/dev/null
  # policy-rc.d keeps package scripts from trying to start services through a missing init; an
  # existing one is kept aside and put back (by the trap, also when apt fails).
  if [ -e "$policy" ]; then policy_backup=$($SUDO mktemp /usr/sbin/policy-rc.d.strait-XXXXXX); $SUDO cp -a "$policy" "$policy_backup"; fi
  policy_placed=true
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null; $SUDO chmod +x "$policy"
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$policy_backup" ]; then $SUDO mv -f "$policy_backup" "$policy"; else $SUDO rm -f "$policy"; fi
  policy_placed=false
fi

# The reference daemons, for comparisons (C virtiofsd from QEMU 7.2, Rust virtiofsd 1.13), with
# the project's own installer: private roots under /opt/virtiofs-peers, never the host's libraries.
$SUDO "$root/scripts/install-peers.sh" /opt/virtiofs-peers >/dev/null
# QEMU 11.1 (trixie-backports) for DAX cells: its vhost-user SHMEM_MAP gives the guest a DAX
# window; unpacked into a private root with a loader wrapper, like the Rust virtiofsd.
$SUDO "$root/scripts/install-qemu-dax.sh" /opt/strait-qemu-11 >/dev/null

[ "${1:-}" = "--no-daemons" ] && exit 0
# libvirtd without systemd: needs its runtime directories and the libvirt-qemu user.
$SUDO mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt/qemu
pgrep -x virtlogd >/dev/null || { $SUDO virtlogd -d; started+=(virtlogd); }
pgrep -x libvirtd >/dev/null || { $SUDO libvirtd -d; started+=(libvirtd); }
for _ in $(seq 50); do
  virsh -c qemu:///system version >/dev/null 2>&1 && break
  sleep 0.2
done
virsh -c qemu:///system version >/dev/null || { echo "host-setup: libvirtd did not come up" >&2; exit 1; }
echo "host-setup: ready" >&2
