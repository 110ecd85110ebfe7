#!/bin/sh
# docs/benchmarks.md's peer tables in one command: straitd (default configuration) against the C
# virtiofsd and the Rust virtiofsd in their defaults (both inline, --thread-pool-size=0, their best
# configuration on this 2-core machine), and the host's own preadv/pwritev/statx, with the driver sleeping on interrupts and with
# the driver polling its used rings. Every throughput has the daemon's CPU per operation beside
# it; "straitd / best other" is against the better peer of that cell. (Their pools are left out:
# C virtiofsd with --thread-pool-size=16 or 64 exits with status 1 at QD16 under strait-load,
# nothing in its log even with -d; the Rust one with --thread-pool-size=64 exited before
# listening in one of 40 starts; see docs/benchmarks.md.)
# Writes OUTDIR/peers.md (the tables, with the commands that made them) and one .log per driver.
#
# Usage: scripts/bench-peers.sh [OUTDIR] [ROUNDS] [SECONDS]
#   STRAITD / STRAIT_LOAD: binaries to use instead of building the release ones.
set -eu
cd "$(dirname "$0")/.."
out=${1:-/tmp/strait-peers-$(date -u +%Y%m%dT%H%M%SZ)}
rounds=${2:-5}
seconds=${3:-1}
mkdir -p "$out"
if [ -z "${STRAITD:-}" ] || [ -z "${STRAIT_LOAD:-}" ]; then
    swift build -c release --product straitd >/dev/null
    swift build -c release --product strait-load >/dev/null
    R=$(swift build -c release --show-bin-path)
fi
straitd=${STRAITD:-$R/straitd}
load=${STRAIT_LOAD:-$R/strait-load}
C=/opt/virtiofs-peers/c/usr/lib/qemu/virtiofsd
RUST=/opt/virtiofs-peers/rust/virtiofsd
workloads=${WORKLOADS:-getattr,lookup,randread4k,randwrite4k,read1m,write1m}
{
    echo "Made by \`scripts/bench-peers.sh $out $rounds $seconds\` at $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "(load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs)."
} >"$out/peers.md"
for driver in interrupts polling; do
    flag=; [ $driver = polling ] && flag=--poll
    echo "== $driver" >&2
    {
        echo
        echo "### Driver on $driver ($rounds rounds of $seconds s, interleaved)"
        echo
        echo "ops/s (MiB/s for 1 MiB), daemon CPU us per operation in brackets; ratios: median [95% CI]."
        echo
    } >>"$out/peers.md"
    "$load" $flag --markdown --seconds "$seconds" --rounds "$rounds" \
        --daemon "straitd=$straitd --socket-path={socket} --shared-dir={dir} --cache=auto --sandbox=none" \
        --daemon "c=$C --socket-path={socket} -o source={dir},cache=auto" \
        --daemon "rust=$RUST --socket-path={socket} --shared-dir={dir} --cache=auto" \
        --daemon host \
        --workload "$workloads" --qd 1 --qd 16 >>"$out/peers.md" 2>"$out/$driver.log"
done
echo "tables in $out/peers.md" >&2
