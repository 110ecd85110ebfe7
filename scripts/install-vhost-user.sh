#!/bin/bash
# Installs straitd's vhost-user descriptor so libvirt and QEMU can find it (docs/interop/vhost-user.json):
# share/qemu/vhost-user/50-straitd.json with the binary's absolute path filled in, into
# $DESTDIR/usr/share/qemu/vhost-user/. libvirt takes the first "fs" descriptor in name order, so
# 50-qemu-virtiofsd.json still wins; a domain picks straitd with <binary path='...'/> (or rename
# the file to a lower number to make straitd the default).
# Usage: scripts/install-vhost-user.sh [BINARY]      default: .build/release/straitd, else .build/debug/straitd
#        scripts/install-vhost-user.sh --uninstall
# Idempotent. Needs write access to the target directory (root for /usr/share).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
target_dir="${DESTDIR:-}/usr/share/qemu/vhost-user"
target="$target_dir/50-straitd.json"

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$target"
  exit 0
fi

binary="${1:-}"
if [ -z "$binary" ]; then
  for candidate in "$root/.build/release/straitd" "$root/.build/debug/straitd"; do
    if [ -x "$candidate" ]; then binary=$candidate; break; fi
  done
fi
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
  echo "install-vhost-user: no straitd binary (build it first: swift build -c release --product straitd)" >&2
  exit 1
fi
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
case "$binary" in *'"'*|*'\'*|*'|'*)
  echo "install-vhost-user: refusing a binary path with quotes, backslashes or '|': $binary" >&2; exit 1;;
esac
# libvirt runs the binary with --print-capabilities; refuse to install one that cannot answer.
"$binary" --print-capabilities | grep -q '"type": "fs"' || {
  echo "install-vhost-user: $binary --print-capabilities does not describe an fs backend" >&2; exit 1; }

mkdir -p "$target_dir"
tmp=$(mktemp "$target_dir/.50-straitd.json.XXXXXX")
sed "s|@BINARY@|$binary|" "$root/share/qemu/vhost-user/50-straitd.json" > "$tmp"
chmod 644 "$tmp"
mv -f "$tmp" "$target"
echo "install-vhost-user: $target -> $binary" >&2
