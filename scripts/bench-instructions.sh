#!/bin/sh
# Instructions straitd's queue thread executes per request, measured with callgrind: the
# inclusive instruction count of QueueWorker.drain (pop, descriptor walk, dispatch, the file
# system call's user-space side, reply, used ring, interrupt decision; not the sleep and wakeup)
# divided by the requests it completed (calls of SplitQueue.pushReportingSlot). Inline processing,
# strait-load at QD1, one file per round; prints the median of the rounds per workload.
#
# TOGGLE=SYMBOL counts another function instead, e.g. the queue thread's whole loop (arming,
# polling, the user-space side of the kick wait), to see what polling adds per request:
#   TOGGLE='$s8VirtioFS11QueueWorkerC3run33_B528E7C5E3F4DF17CA4D8B4C9DCA0DFCLLyyF' (QueueWorker.run;
#   before issue 11's polling, run is inlined into '$s8VirtioFS11QueueWorkerC5startyyKFyyYbcfU_').
# Use an exact symbol (nm): callgrind toggles collection off again on entering a nested match.
#
# PROCESSING=ARGS replaces the inline processing (`--thread-pool-size=0`), e.g. PROCESSING= for the
# default auto-switch: what its decision costs per request next to inline.
#
# Usage: scripts/bench-instructions.sh STRAITD STRAIT_LOAD [WORKLOADS] [-- EXTRA STRAITD ARGS]
#   e.g. scripts/bench-instructions.sh .build/release/straitd .build/release/strait-load getattr,lookup,read4k,write4k -- --poll=adaptive
set -eu
straitd=$1
load=$2
workloads=${3:-getattr,lookup,read4k,write4k}
shift 2; [ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
extra="$*"
toggle=${TOGGLE:-*QueueWorker*drain*}
processing=${PROCESSING---thread-pool-size=0}
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
out=$(mktemp -d /tmp/strait-callgrind-XXXXXX)
# Valgrind 3.19 (bookworm) gives up on the DWARF of a Swift 6.3 binary; the symbols are enough.
objcopy --strip-debug "$straitd" "$out/straitd"
straitd=$out/straitd
echo "workload  instructions/request (median of 5 rounds)  [per round]"
for w in $(echo "$workloads" | tr ',' ' '); do
    "$load" --daemon "cg=valgrind --tool=callgrind --callgrind-out-file=$out/$w.%p --toggle-collect=$toggle --compress-strings=no --compress-pos=no $straitd --socket-path={socket} --shared-dir={dir} --cache=auto --sandbox=none --seccomp=none $processing $extra" \
        --workload "$w" --qd 1 --seconds 1 --warmup 0.3 --rounds 5 >/dev/null 2>"$out/$w.log" || { cat "$out/$w.log" >&2; exit 1; }
    per=$(for f in "$out/$w".[0-9]*; do
        awk '/^totals:/ { total = $2 }
             /^cfn=/ { push = ($0 ~ /SplitQueueC17pushReportingSlot/) }
             /^calls=/ { if (push) { split($1, c, "="); calls += c[2] } ; push = 0 }
             END { if (calls > 0) printf "%d\n", total / calls }' "$f"
    done | sort -n)
    [ -n "$per" ] || { echo "$w: no requests counted under $toggle (symbol inlined or renamed? nm $straitd)" >&2; exit 1; }
    median=$(echo "$per" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "$w  $median  [$(echo $per | tr '\n' ' ')]"
done
rm -rf "$out"
