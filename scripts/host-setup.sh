#!/bin/bash
# Installs and starts what Strait needs on a Debian bookworm host, idempotently:
# QEMU (vhost-user-fs-pci), libvirt (daemon, client, C headers), libguestfs (C headers, tools),
# fio, debootstrap, OpenSSH client and server (binaries only), FUSE, and the reference daemons (../shared/peers/install-peers.sh).
# Starts virtlogd and libvirtd when they are not running (no systemd on these machines).
# Usage: scripts/host-setup.sh [--no-daemons]     Needs root (or sudo) and apt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export DEBIAN_FRONTEND=noninteractive
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

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
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "host-setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -q >/dev/null
  # policy-rc.d keeps package scripts from trying to start services through a missing init.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  $SUDO rm -f /usr/sbin/policy-rc.d
fi

# The reference daemons, for comparisons (C virtiofsd from QEMU 7.2, Rust virtiofsd 1.13).
peers=$root/../shared/peers/install-peers.sh
if [ -x "$peers" ]; then
  $SUDO "$peers" /opt/virtiofs-peers >/dev/null
else
  echo "host-setup: $peers not found; reference daemons not installed" >&2
fi

[ "${1:-}" = "--no-daemons" ] && exit 0
# libvirtd without systemd: needs its runtime directories and the libvirt-qemu user.
$SUDO mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt/qemu
pgrep -x virtlogd >/dev/null || $SUDO virtlogd -d
pgrep -x libvirtd >/dev/null || $SUDO libvirtd -d
for _ in $(seq 50); do
  virsh -c qemu:///system version >/dev/null 2>&1 && break
  sleep 0.2
done
virsh -c qemu:///system version >/dev/null || { echo "host-setup: libvirtd did not come up" >&2; exit 1; }
echo "host-setup: ready" >&2
