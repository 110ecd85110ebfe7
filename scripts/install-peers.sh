#!/bin/bash
# Installs the reference virtio-fs daemons that comparisons and peer tests run against, from
# Debian's packages, into PREFIX (default /opt/virtiofs-peers), never into the host's libraries:
#   c/usr/lib/qemu/virtiofsd   QEMU 7.2's C virtiofsd, unpacked from bookworm's qemu-system-common
#   rust/virtiofsd             virtiofsd 1.13 (Rust) from trixie, unpacked with trixie's own libc
#                              into rust/root and started through that root's loader
# The trixie suite is added to apt with the host's own mirror (read from its apt configuration)
# and pinned below bookworm, so nothing of trixie is ever installed into the host.
# Usage: scripts/install-peers.sh [PREFIX]     Idempotent; needs root and apt. Prints NAME PATH lines.
set -euo pipefail
prefix=${1:-/opt/virtiofs-peers}
mkdir -p "$prefix"
export DEBIAN_FRONTEND=noninteractive
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

# The host's Debian mirror (host_mirror).
. "$(dirname "$0")/lib/host-mirror.sh"

if [ ! -x "$prefix/c/usr/lib/qemu/virtiofsd" ]; then
    (cd "$work" && apt-get download -q qemu-system-common/bookworm >/dev/null 2>&1 || apt-get download -q qemu-system-common >/dev/null)
    mkdir -p "$prefix/c"
    dpkg -x "$work"/qemu-system-common_*.deb "$prefix/c"
    rm -f "$work"/*.deb
fi

if [ ! -x "$prefix/rust/virtiofsd" ]; then
    src=/etc/apt/sources.list.d/strait-trixie.sources
    if [ ! -f "$src" ] && ! grep -rqs "trixie" /etc/apt/sources.list.d/ /etc/apt/sources.list; then
        printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$(host_mirror)" > "$src"
        printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' > /etc/apt/preferences.d/strait-trixie
    fi
    apt-get update -q >/dev/null
    (cd "$work" && apt-get download -q -t trixie virtiofsd libc6 libseccomp2 libcap-ng0 libgcc-s1 >/dev/null)
    mkdir -p "$prefix/rust/root"
    for d in "$work"/*.deb; do dpkg -x "$d" "$prefix/rust/root"; done
    lib="$prefix/rust/root/usr/lib/x86_64-linux-gnu"
    cat > "$prefix/rust/virtiofsd" <<EOW
#!/bin/sh
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$prefix/rust/root/usr/libexec/virtiofsd" "\$@"
EOW
    chmod +x "$prefix/rust/virtiofsd"
fi

echo "virtiofsd-c $prefix/c/usr/lib/qemu/virtiofsd"
echo "virtiofsd-rust $prefix/rust/virtiofsd"
"$prefix/c/usr/lib/qemu/virtiofsd" --version 2>&1 | head -1 >&2
"$prefix/rust/virtiofsd" --version >&2
