#!/bin/sh
# The host-speed numbers of docs/benchmarks.md in one command: straitd (default; and with
# --poll=adaptive) against C virtiofsd, Rust virtiofsd and the host's own preadv/pwritev, with
# the driver waiting on interrupts and with the driver polling its used rings; straitd's --poll
# modes; straitd's queue scaling (1, 2, 4 request queues). Every table has the daemon's CPU per
# operation and peak RSS beside its throughput (strait-load's columns), and ratios with 95% CIs.
#
# Usage: scripts/bench-host-speed.sh [OUTDIR] [ROUNDS] [SECONDS]
#   builds the release straitd and strait-load first; writes OUTDIR/NAME.txt (strait-load's
#   table and ratios) and NAME.log (progress, kicks and interrupts per operation) per run.
set -eu
cd "$(dirname "$0")/.."
out=${1:-/tmp/strait-bench-$(date -u +%Y%m%dT%H%M%SZ)}
rounds=${2:-5}
seconds=${3:-1}
mkdir -p "$out"
swift build -c release --product straitd >/dev/null
swift build -c release --product strait-load >/dev/null
R=$(swift build -c release --show-bin-path)
S="--socket-path={socket} --shared-dir={dir} --cache=auto --sandbox=none"
C="c=/opt/virtiofs-peers/c/usr/lib/qemu/virtiofsd --socket-path={socket} -o source={dir},cache=auto"
RUST="rust=/opt/virtiofs-peers/rust/virtiofsd --socket-path={socket} --shared-dir={dir} --cache=auto"
common="--seconds $seconds --rounds $rounds"

run() {  # NAME strait-load-arguments...
    name=$1; shift
    echo "== $name: strait-load $*" >&2
    "$R/strait-load" "$@" $common >"$out/$name.txt" 2>"$out/$name.log"
}

for driver in interrupts polling; do
    flag=; [ $driver = polling ] && flag=--poll
    run "peers-$driver" $flag \
        --daemon "straitd=$R/straitd $S" --daemon "straitd-adaptive=$R/straitd $S --poll=adaptive" \
        --daemon "$C" --daemon "$RUST" --daemon host \
        --workload getattr,lookup,randread4k,randwrite4k,read1m,write1m --qd 1 --qd 16
    run "poll-$driver" $flag \
        --daemon "off=$R/straitd $S --poll=off" --daemon "on=$R/straitd $S --poll=on" \
        --daemon "adaptive=$R/straitd $S --poll=adaptive" \
        --workload getattr,read4k --qd 1 --qd 16
done
# Queue scaling, interleaved: 4 guest CPUs (--threads 4) against straitd offering 1, 2 or 4
# request queues (the driver maps CPUs to queues as Linux 6.11+ does) and both peers (one).
run "queues" --threads 4 \
    --daemon "q1=$R/straitd $S --request-queues=1" --daemon "q2=$R/straitd $S --request-queues=2" \
    --daemon "q4=$R/straitd $S --request-queues=4" --daemon "$C" --daemon "$RUST" \
    --workload getattr,randread4k --qd 16
echo "results in $out" >&2
