#!/bin/bash
# Installs a DAX-capable QEMU (trixie-backports' qemu-system-x86 11.1, which speaks vhost-user
# SHMEM_MAP/SHMEM_UNMAP) into a private root, never into the host's libraries:
#   PREFIX/root/                  the unpacked packages (QEMU, its libraries, trixie's libc, firmware)
#   PREFIX/bin/qemu-system-x86_64 a wrapper that runs it through the root's loader, with the
#                                 root's firmware (-L) and modules (QEMU_MODULE_DIR)
#   PREFIX/VERSION                the package version (the harness records it per cell)
# Dependencies are resolved by a private apt (its own sources, lists and an empty dpkg status)
# against trixie + trixie-backports, with the host's own Debian mirror (read from its apt
# configuration); the host's apt state is neither read for resolution nor written. The .debs
# are cached in PREFIX/cache, so a reinstall downloads nothing; an existing install is kept.
# Usage: scripts/install-qemu-dax.sh [PREFIX]   (default /opt/strait-qemu-11)
# Prints "qemu-dax PATH VERSION". Needs apt-get and dpkg-deb; root only to write PREFIX.
set -euo pipefail
prefix=${1:-/opt/strait-qemu-11}
want=${STRAIT_QEMU_DAX_VERSION:-1:11.1.3+ds-1~bpo13+1}
wrapper="$prefix/bin/qemu-system-x86_64"

# QEMU looks for a module in QEMU_MODULE_DIR, then in its build's own directory, which on this
# host is the host QEMU 7.2's; a module missing from the root is then found there and aborts QEMU
# ("Only modules from the same build can be loaded"), e.g. when libvirt's capability probe asks
# for every QOM type. So the root carries every module package QEMU 11.1 may ask for.
packages="qemu-system-x86 qemu-system-common qemu-system-data qemu-system-modules-opengl qemu-system-modules-spice"
if [ -x "$wrapper" ] && [ "$(cat "$prefix/VERSION" 2>/dev/null)" = "$want" ] \
    && [ "$(cat "$prefix/PACKAGES" 2>/dev/null)" = "$packages" ] \
    && "$wrapper" --version >/dev/null 2>&1; then
    echo "qemu-dax $wrapper $want"
    exit 0
fi

# The host's Debian mirror (host_mirror).
. "$(dirname "$0")/lib/host-mirror.sh"

apt_dir="$prefix/apt"
cache="$prefix/cache"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/etc/preferences.d" "$apt_dir/etc/sources.list.d" \
    "$apt_dir/archives/partial" "$cache"
: > "$apt_dir/status"
uri=$(host_mirror)
printf 'Types: deb\nURIs: %s\nSuites: trixie trixie-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" > "$apt_dir/etc/sources.list.d/trixie.sources"
opts=(
    -o Dir::Etc::SourceList=/dev/null
    -o Dir::Etc::SourceParts="$apt_dir/etc/sources.list.d"
    -o Dir::Etc::Preferences=/dev/null
    -o Dir::Etc::PreferencesParts="$apt_dir/etc/preferences.d"
    -o Dir::State="$apt_dir"
    -o Dir::State::Lists="$apt_dir/lists"
    -o Dir::State::status="$apt_dir/status"
    -o Dir::Cache="$apt_dir"
    -o Dir::Cache::Archives="$cache"
    -o APT::Architecture=amd64
    -o APT::Architectures::=amd64
    -o APT::Install-Recommends=false
    -o APT::Get::AllowUnauthenticated=false
    -o Debug::NoLocking=true
    -o APT::Sandbox::User=root
)
export DEBIAN_FRONTEND=noninteractive
apt-get "${opts[@]}" update -q >/dev/null
# The closure of qemu-system-x86 from backports (with trixie's libc), downloaded only: an empty
# dpkg status makes apt resolve every dependency, so the root is self-contained.
apt-get "${opts[@]}" install -q -y --download-only -t trixie-backports \
    $(for p in $packages; do printf '%s=%s ' "$p" "$want"; done) >/dev/null

root="$prefix/root"
rm -rf "$root.new"
mkdir -p "$root.new"
for d in "$cache"/*.deb; do dpkg-deb -x "$d" "$root.new"; done
[ -x "$root.new/usr/bin/qemu-system-x86_64" ] || { echo "install-qemu-dax: no qemu-system-x86_64 in the unpacked root" >&2; exit 1; }
rm -rf "$root"
mv "$root.new" "$root"

lib="$root/usr/lib/x86_64-linux-gnu"
mkdir -p "$prefix/bin"
cat > "$wrapper.new" <<EOW
#!/bin/sh
# QEMU $want from trixie-backports, run through its private root's loader (scripts/install-qemu-dax.sh).
QEMU_MODULE_DIR="$lib/qemu"
export QEMU_MODULE_DIR
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$root/lib/x86_64-linux-gnu" \\
    "$root/usr/bin/qemu-system-x86_64" -L "$root/usr/share/qemu" -L "$root/usr/share/seabios" "\$@"
EOW
chmod 755 "$wrapper.new"
mv "$wrapper.new" "$wrapper"
printf '%s\n' "$want" > "$prefix/VERSION"
printf '%s\n' "$packages" > "$prefix/PACKAGES"
"$wrapper" --version | head -1 >&2
echo "qemu-dax $wrapper $want"
