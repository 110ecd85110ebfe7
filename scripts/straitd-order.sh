#!/bin/sh
# Regenerates Sources/straitd/straitd.order: the functions straitd runs at startup and while
# serving, which the link (Package.swift) places together so that the kernel's fault-around (64 KiB
# around each page fault of a file mapping) maps them and little else. Without it the few hundred
# KiB of functions straitd runs are spread over the 5.8 MB of the statically linked Swift runtime,
# standard library and libc, and all of it ends up resident (docs/benchmarks.md "Memory").
# A stale list costs memory, never correctness: names it lists that no longer exist are ignored.
#
# How: straitd runs under callgrind (every function it executes, from its first instruction) while
# strait-load drives every workload at QD1 and QD16; the names are every `fn=` of the profiles.
# Left out: functions in libswiftCore's one big .text section (Swift.o's non-function-section code,
# 1.6 MB): ordering moves whole input sections, so naming one of them would move all 1.6 MB.
#
# Usage: scripts/straitd-order.sh [STRAITD] [STRAIT_LOAD]   (default: the release builds)
set -eu
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
    swift build -c release --product straitd >/dev/null
    swift build -c release --product strait-load >/dev/null
fi
R=$(swift build -c release --show-bin-path)
straitd=${1:-$R/straitd}
load=${2:-$R/strait-load}
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
out=$(mktemp -d /tmp/strait-order-XXXXXX)
trap 'rm -rf "$out"' EXIT
# Valgrind 3.19 (bookworm) gives up on the DWARF of a Swift 6.3 binary; the symbols are enough.
objcopy --strip-debug "$straitd" "$out/straitd"
"$load" --daemon "cg=valgrind --tool=callgrind --demangle=no --compress-strings=no --compress-pos=no --callgrind-out-file=$out/cg.%p $out/straitd --socket-path={socket} --shared-dir={dir} --cache=auto --sandbox=none --seccomp=none" \
    --workload getattr,lookup,read4k,randread4k,write4k,randwrite4k,read1m,write1m,create-unlink,readdir,mkdir-rmdir \
    --qd 1 --qd 16 --seconds 0.1 --warmup 0.05 --rounds 5 >/dev/null 2>"$out/load.log" || { cat "$out/load.log" >&2; exit 1; }
# Swift.o's monolithic .text (section index of ".text" in that member), as symbol names.
core=$(dirname "$(readlink -f "$(command -v swiftc)")")/../lib/swift_static/linux/libswiftCore.a
(cd "$out" && ar x "$core" Swift.o)
index=$(readelf -SW "$out/Swift.o" | awk '$2 == ".text" { gsub(/[][]/, "", $1); print $1; exit }')
readelf -sW "$out/Swift.o" | awk -v i="$index" '$7 == i && $4 == "FUNC" { print $8 }' | sort -u >"$out/mono"
grep -h '^fn=' "$out"/cg.* | sed "s/^fn=//; s/'[0-9]*\$//" | grep -v '^0x' | sort -u >"$out/hot"
# glibc's string functions are IFUNCs: valgrind's CPU selects the AVX2 variants, the host may
# select EVEX or AVX-512 ones; every variant of a function that ran is listed (~65 KB).
bases=$(grep -E '^__[a-z]+_(avx|evex|sse|erms|ssse)' "$out/hot" | sed -E 's/^(__[a-z]+)_.*/\1/' | sort -u | paste -sd'|')
{ comm -23 "$out/hot" "$out/mono"
  [ -z "$bases" ] || nm "$straitd" | awk '{ print $NF }' | grep -E "^($bases)_" | sort -u
} | awk '!seen[$0]++' >Sources/straitd/straitd.order
echo "$(wc -l <Sources/straitd/straitd.order) functions in Sources/straitd/straitd.order ($(wc -l <"$out/hot") executed)" >&2
# SwiftPM does not know the link reads this file: relink straitd so that it takes effect.
rm -f .build/release/straitd .build/debug/straitd
echo "removed .build/{release,debug}/straitd: the next build relinks them with the new order" >&2
