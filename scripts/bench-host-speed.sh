#!/bin/sh
# docs/benchmarks.md's measured tables in one command (issue 11, "How it is shown"). Everything at
# host speed, no VM: strait-load plays VMM and guest driver, daemons interleaved round by round.
#
#   peers-interrupts, peers-polling  straitd (default) vs C virtiofsd vs Rust virtiofsd (both in
#                                    their default, inline) vs the host's own syscalls, the driver
#                                    sleeping on interrupts / polling its used ring; CPU us per
#                                    operation beside every throughput; latency and peak RSS
#   big-interrupts, big-polling      read1m, write1m: straitd against the host's own preadv/pwritev
#                                    (CPU us per operation of both), and the INIT that allows 1 MiB
#   poll-interrupts, poll-polling    straitd --poll=off / on / adaptive, with CPU per operation
#   processing                       auto-switch (default) vs inline vs pool (4 threads, auto's)
#   memory-load                      peak RSS under load, every daemon in its default sandbox
#                                    (straitd's namespace sandbox too), straitd unsandboxed beside
#   queues                           4 guest CPUs against straitd offering 1, 2, 4 request queues,
#                                    and the peers (one queue each)
#   instructions                     straitd's queue thread, instructions per request (callgrind,
#                                    scripts/bench-instructions.sh), and whole-daemon instructions
#                                    per operation against the Rust virtiofsd (strait-load
#                                    --instructions, cachegrind)
#   instructions-auto                the auto-switch's bookkeeping: queue-thread instructions per
#                                    request, auto against inline (callgrind, QD1)
#   memory                           resident KiB per mapping of each daemon, idle (/proc/PID/smaps)
#   meta                             the meta workloads' requests (meta-create, meta-rm and the
#                                    single-request workloads): what each daemon answers that sets
#                                    a Linux guest's requests per file (strait-load --answers), system
#                                    calls per operation of straitd (unsandboxed and in its sandbox),
#                                    C and Rust virtiofsd (strace -f -c, strait-load --syscalls), with
#                                    the calls by name and the driver's kicks and interrupts per
#                                    operation, and instructions per operation against Rust (cachegrind);
#                                    with STRAITD_BEFORE=BINARY also straitd before/after a change
#   guest-queues, guest-libaio       in the guest: no VM runs here; `strait report --section NAME`
#                                    writes the table from the run documents stored under
#                                    docs/results (matrices/queues.yaml, matrices/libaio-qd16.yaml;
#                                    how they were made is in the doc's prose), naming run, commit, time
#
# Each part writes OUTDIR/NAME.md (a markdown fragment: provenance line, then tables) and
# OUTDIR/NAME.log. With --write-doc the fragments replace what lies between
#   <!-- generated: NAME -->  and  <!-- end generated: NAME -->
# in docs/benchmarks.md; the prose around the markers is not touched.
#
# Usage: scripts/bench-host-speed.sh [--write-doc] [OUTDIR] [ROUNDS] [SECONDS] [PARTS]
#   PARTS: comma-separated subset of the names above (default: all); `none` runs nothing, so that
#   `--write-doc OUTDIR 5 1 none` only writes the fragments an earlier run left in OUTDIR.
#   STRAITD / STRAIT_LOAD: binaries to use instead of building the release ones; STRAIT: the
#   strait CLI for the guest parts (default: built, debug).
set -eu
cd "$(dirname "$0")/.."
write_doc=
[ "${1:-}" = "--write-doc" ] && { write_doc=1; shift; }
out=${1:-/tmp/strait-bench-$(date -u +%Y%m%dT%H%M%SZ)}
rounds=${2:-5}
seconds=${3:-1}
parts=${4:-peers-interrupts,peers-polling,big-interrupts,big-polling,poll-interrupts,poll-polling,processing,memory-load,queues,instructions,instructions-auto,memory,meta,guest-queues,guest-libaio}
mkdir -p "$out"
host_parts=$(echo ",$parts," | sed 's/,guest-[a-z]*//g; s/,none//g; s/^,*//; s/,*$//')
if [ -n "$host_parts" ] && { [ -z "${STRAITD:-}" ] || [ -z "${STRAIT_LOAD:-}" ]; }; then
    swift build -c release --product straitd >/dev/null
    swift build -c release --product strait-load >/dev/null
    R=$(swift build -c release --show-bin-path)
fi
straitd=${STRAITD:-${R:-}/straitd}
load=${STRAIT_LOAD:-${R:-}/strait-load}
S="--socket-path={socket} --shared-dir={dir} --cache=auto --sandbox=none"
CBIN=/opt/virtiofs-peers/c/usr/lib/qemu/virtiofsd
RUSTBIN=/opt/virtiofs-peers/rust/virtiofsd
C="c=$CBIN --socket-path={socket} -o source={dir},cache=auto"
RUST="rust=$RUSTBIN --socket-path={socket} --shared-dir={dir} --cache=auto"
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo "+changes")

provenance() {  # NAME: the first line of every fragment
    echo "Made by \`scripts/bench-host-speed.sh\` ($1), straitd at $commit, $(date -u +%Y-%m-%d\ %H:%M) UTC;" \
        "load average $(cut -d' ' -f1-3 /proc/loadavg) at start on $(nproc) CPUs (shared machine: other" \
        "engineers' builds and VMs run alongside; read a ratio as a difference only when its whole CI is" \
        "on one side of 1)."
    echo
}

want() { case ",$parts," in *",$1,"*) return 0 ;; esac; return 1; }

# Instructions per operation, straitd beside the Rust virtiofsd, both unsandboxed (valgrind needs
# that): strait-load's counted rows as a Markdown table. LOG strait-load-arguments...
instructions_vs_rust() {
    RL=/opt/virtiofs-peers/rust/root/usr/lib/x86_64-linux-gnu
    log=$1; shift
    "$load" "$@" \
        --daemon "straitd=$straitd $S --seccomp=none" \
        --daemon "rust=$RL/ld-linux-x86-64.so.2 --library-path $RL /opt/virtiofs-peers/rust/root/usr/libexec/virtiofsd --socket-path={socket} --shared-dir={dir} --cache=auto --sandbox=none --seccomp=none" \
        2>>"$log" | awk '
        $1 == "daemon" { go = 1; next }
        go && NF == 13 { v[$1, $2] = $13; if (!($2 in seen)) { seen[$2] = 1; w[++n] = $2 } }
        END {
            print "| workload | straitd | Rust virtiofsd | straitd / Rust |"
            print "|---|---:|---:|---:|"
            for (i = 1; i <= n; i++) {
                a = v["straitd", w[i]]; b = v["rust", w[i]]
                printf "| %s | %.0f | %.0f | %s |\n", w[i], a, b, (b > 0 ? sprintf("%.2fx", a / b) : "-")
            }
        }'
}

load_run() {  # NAME strait-load-arguments...: strait-load --markdown into NAME.md
    name=$1; shift
    echo "== $name" >&2
    { provenance "$name, $rounds rounds of $seconds s"
      "$load" --markdown --seconds "$seconds" --rounds "$rounds" "$@" 2>"$out/$name.log"
      echo
      cmdline=; for a; do case $a in *" "*) cmdline="$cmdline \"$a\"" ;; *) cmdline="$cmdline $a" ;; esac; done
      echo "Command: \`strait-load --markdown --seconds $seconds --rounds $rounds$cmdline\`" |
          sed "s|$straitd|straitd|g; s|$CBIN|C-virtiofsd|g; s|$RUSTBIN|rust-virtiofsd|g; s|$out/|OUTDIR/|g"
    } >"$out/$name.md.tmp"
    mv "$out/$name.md.tmp" "$out/$name.md"
}

for driver in interrupts polling; do
    flag=; [ $driver = polling ] && flag=--poll
    want "peers-$driver" && load_run "peers-$driver" $flag \
        --daemon "straitd=$straitd $S" --daemon "$C" --daemon "$RUST" --daemon host \
        --workload getattr,lookup,randread4k,randwrite4k,read1m,write1m --qd 1 --qd 16
    want "poll-$driver" || continue
    rm -rf "$out/poll-$driver-logs"; mkdir -p "$out/poll-$driver-logs"
    load_run "poll-$driver" $flag --daemon-logs "$out/poll-$driver-logs" \
        --daemon "off=$straitd $S --poll=off" --daemon "on=$straitd $S --poll=on" \
        --daemon "adaptive=$straitd $S --poll=adaptive" \
        --workload getattr,read4k --qd 1 --qd 16
    # What the adaptive queue threads did, from their own log lines (request queues, all rounds).
    { echo
      echo "What \`--poll=adaptive\`'s request queue threads did, summed over the rounds (their log lines;"
      echo "\"skipped\" = spins not started because the host had more runnable threads than cores):"
      echo
      echo "| workload | qd | wakeup us (median) | skipped, busy | spins | caught a request | ms spun | sleeps |"
      echo "|---|---:|---:|---:|---:|---:|---:|---:|"
      for f in "$out/poll-$driver-logs"/adaptive-*.log; do
          cell=$(basename "$f" .log | sed 's/^adaptive-//; s/-r[0-9]*$//')
          grep -h 'polling adaptive (' "$f" | grep -v 'queue=0 ' | sed "s/^/$cell /"
      done | awk '
        { cell = $1; sub(/-qd/, " ", cell)
          match($0, /wakeup [0-9]+ us/); w = substr($0, RSTART + 7, RLENGTH - 10)
          match($0, /skipped [0-9]+ times/); k = substr($0, RSTART + 8, RLENGTH - 14)
          match($0, /: [0-9]+ spins, [0-9]+ caught a request, [0-9]+ ms spun, [0-9]+ sleeps/)
          split(substr($0, RSTART + 2, RLENGTH - 2), v, /[^0-9]+/)
          if (!(cell in n)) order[++cells] = cell
          n[cell]++; wake[cell, n[cell]] = w; skip[cell] += k; spins[cell] += v[1]; hits[cell] += v[2]; ms[cell] += v[3]; sl[cell] += v[4] }
        END { for (i = 1; i <= cells; i++) { c = order[i]; m = n[c]
                for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (wake[c, b] + 0 < wake[c, a] + 0) { t = wake[c, a]; wake[c, a] = wake[c, b]; wake[c, b] = t }
                split(c, wq, " ")
                printf "| %s | %s | %s | %d | %d | %d | %d | %d |\n", wq[1], wq[2], wake[c, int((m + 1) / 2)], skip[c], spins[c], hits[c], ms[c], sl[c] } }'
    } >"$out/poll-$driver.extra"
    cat "$out/poll-$driver.extra" >>"$out/poll-$driver.md" && rm "$out/poll-$driver.extra"
done
# 1 MiB requests against the host's own preadv/pwritev (issue 11: >= 0.8x at QD1 and QD16), with
# the INIT negotiation that lets one request carry 1 MiB, as each daemon answered it.
for driver in interrupts polling; do
    flag=; [ $driver = polling ] && flag=--poll
    want "big-$driver" || continue
    load_run "big-$driver" $flag --daemon "straitd=$straitd $S" --daemon host --workload read1m,write1m --qd 1 --qd 16
    { echo
      echo "CPU per 1 MiB, median of the rounds: the host's own call (its threads' CPU clocks, kernel side"
      echo "included) against straitd's whole process (user + system); host / straitd >= 1 means straitd"
      echo "spends no more per MiB than the host's own preadv/pwritev:"
      echo
      echo "| workload | qd | straitd CPU us/op | host CPU us/op | host / straitd |"
      echo "|---|---:|---:|---:|---:|"
      awk -F'|' '/^\| (read|write)1m \(MiB\/s\)/ { split($4, a, /[()]/); split($5, b, /[()]/); w = $2; sub(/ \(MiB\/s\)/, "", w)
          printf "|%s|%s| %.1f | %.1f | %.2f |\n", w, $3, a[2], b[2], (a[2] > 0 ? b[2] / a[2] : 0) }' "$out/big-$driver.md"
      echo
      echo "INIT, as strait-load's driver (a Linux guest's flags) saw it:"
      echo
      grep -h 'INIT: asked' "$out/big-$driver.log" | sed 's/^/- /' | sort -u
    } >"$out/big-$driver.extra"
    cat "$out/big-$driver.extra" >>"$out/big-$driver.md" && rm "$out/big-$driver.extra"
done
# The auto-switch against its two halves: inline, and the pool of the size it would use (4).
# 1 MiB requests are the ones whose service time makes it switch (AutoSwitch.handoffWorthNanoseconds).
if want processing; then
    rm -rf "$out/processing-logs"; mkdir -p "$out/processing-logs"
    load_run processing --daemon-logs "$out/processing-logs" \
        --daemon "auto=$straitd $S" --daemon "inline=$straitd $S --thread-pool-size=0" \
        --daemon "pool4=$straitd $S --processing=pool --thread-pool-size=4" \
        --workload getattr,read4k,write4k,read1m,write1m --qd 1 --qd 16
    # What the switch decided: requests the auto daemon's queue threads handed to the pool.
    { echo
      echo "What auto decided, from its queue threads' log lines (request queues, all rounds, warm-up included):"
      echo
      echo "| workload | qd | requests | handed to the pool | share |"
      echo "|---|---:|---:|---:|---:|"
      for f in "$out/processing-logs"/auto-*.log; do
          cell=$(basename "$f" .log | sed 's/^auto-//; s/-r[0-9]*$//; s/-qd/ /')
          grep -h 'requests served, [0-9]* handed to the pool' "$f" | grep -v 'queue=0 ' |
              sed "s/.*stopped: \([0-9]*\) requests served, \([0-9]*\) handed.*/$cell \1 \2/"
      done | awk '{ c = $1 " " $2; if (!(c in r)) o[++n] = c; r[c] += $3; h[c] += $4 }
          END { for (i = 1; i <= n; i++) { c = o[i]; split(c, p, " ")
                printf "| %s | %s | %d | %d | %.2f%% |\n", p[1], p[2], r[c], h[c], (r[c] > 0 ? 100 * h[c] / r[c] : 0) } }'
    } >"$out/processing.extra"
    cat "$out/processing.extra" >>"$out/processing.md" && rm "$out/processing.extra"
fi
# Peak RSS under load with every daemon in its own default sandbox (straitd's namespace sandbox
# forks as both peers' do), straitd unsandboxed beside them; the throughput columns come along.
want memory-load && load_run memory-load \
    --daemon "straitd=$straitd --socket-path={socket} --shared-dir={dir} --cache=auto" \
    --daemon "$C" --daemon "$RUST" --daemon "straitd-nosandbox=$straitd $S" \
    --workload getattr,lookup,randread4k,randwrite4k --qd 1 --qd 16
# 4 guest CPUs (--threads 4) mapped onto 1, 2 or 4 request queues as Linux 6.11+ maps them.
want queues && load_run queues --threads 4 \
    --daemon "q1=$straitd $S --request-queues=1" --daemon "q2=$straitd $S --request-queues=2" \
    --daemon "q4=$straitd $S --request-queues=4" --daemon "$C" --daemon "$RUST" \
    --workload getattr,randread4k --qd 16

if want instructions; then
    echo "== instructions" >&2
    { provenance "instructions"
      echo "straitd's queue thread, instructions per request (callgrind, inclusive count of"
      echo "\`QueueWorker.drain\` over the requests it completed; inline, QD1, median of 5 rounds):"
      echo
      echo "| request | instructions | per round |"
      echo "|---|---:|---|"
      scripts/bench-instructions.sh "$straitd" "$load" getattr,lookup,read4k,write4k 2>"$out/instructions.log" |
          awk 'NR > 1 { r = ""; for (i = 3; i <= NF; i++) r = r " " $i; gsub(/[][]/, "", r); gsub(/^ +| +$/, "", r); printf "| %s | %s | %s |\n", $1, $2, r }'
      echo
      echo "Whole daemon, all threads, user space, against the Rust virtiofsd (cachegrind, I(500) - I(100)"
      echo "over 400 paced operations, the smallest of 3 rounds (valgrind's noise is one-sided); the C virtiofsd cannot be counted: valgrind"
      echo "cannot write its output once the C daemon has pivoted into its sandbox, and it has no sandbox=none):"
      echo
      instructions_vs_rust "$out/instructions.log" --instructions 500 --qd 1 --rounds 3 \
          --workload getattr,lookup,randread4k,randwrite4k
    } >"$out/instructions.md.tmp"
    mv "$out/instructions.md.tmp" "$out/instructions.md"
fi

# The auto-switch's own cost: the queue thread's instructions per request, auto (default) against
# inline, at QD1 where auto always stays inline (depth 1): what is left is its bookkeeping.
if want instructions-auto; then
    echo "== instructions-auto" >&2
    scripts/bench-instructions.sh "$straitd" "$load" getattr,read4k,write4k 2>"$out/instructions-auto.log" >"$out/instructions-inline.txt"
    PROCESSING= scripts/bench-instructions.sh "$straitd" "$load" getattr,read4k,write4k 2>>"$out/instructions-auto.log" >"$out/instructions-autoswitch.txt"
    { provenance "instructions-auto"
      echo "The auto-switch's own cost on the queue thread (callgrind, \`QueueWorker.drain\` inclusive, per request,"
      echo "QD1, median of 5 rounds; \`scripts/bench-instructions.sh\` with \`PROCESSING=\` for auto):"
      echo
      echo "| request | inline | auto | auto - inline |"
      echo "|---|---:|---:|---:|"
      awk 'FNR == 1 { f++; next } f == 1 { a[$1] = $2; o[++n] = $1 } f == 2 { b[$1] = $2 }
           END { for (i = 1; i <= n; i++) { w = o[i]; printf "| %s | %d | %d | %+d (%+.1f%%) |\n", w, a[w], b[w], b[w] - a[w], 100 * (b[w] - a[w]) / a[w] } }' \
          "$out/instructions-inline.txt" "$out/instructions-autoswitch.txt"
    } >"$out/instructions-auto.md.tmp"
    mv "$out/instructions-auto.md.tmp" "$out/instructions-auto.md"
fi

# The meta workloads (issue 11: straitd behind both virtiofsd on meta-create/meta-rm in the guest):
# the answers that set how many requests a guest sends, then what each request costs the daemon.
if want meta; then
    echo "== meta" >&2
    SB="--socket-path={socket} --shared-dir={dir} --cache=auto"
    MW=getattr,lookup,readdir,write4k,create-unlink,mkdir-rmdir,meta-create,meta-rm
    { provenance "meta"
      echo "What each daemon answers a Linux 6.1 guest (\`strait-load --answers\`, each daemon fresh, in its default"
      echo "sandbox, cache=auto; times are entry / attribute validity):"
      echo
      "$load" --answers --daemon "straitd=$straitd $SB" --daemon "$C" --daemon "$RUST" 2>"$out/meta.log"
      echo
      "$load" --syscalls 300 --rounds 2 --qd 1 --guest linux --workload $MW \
          --daemon "straitd=$straitd $S" --daemon "straitd-sandboxed=$straitd $SB" --daemon "$C" --daemon "$RUST" \
          >"$out/meta-syscalls.txt" 2>>"$out/meta.log"
      echo "System calls per operation, every process and thread of the daemon (\`strace -f -c\`, S(300) - S(60)"
      echo "over 240 operations paced 2 ms apart, QD1, \`--guest linux\`; the smaller of 2 rounds). straitd unsandboxed"
      echo "and in its default namespace sandbox with seccomp; both peers in their default sandbox:"
      echo
      awk '$1 == "daemon" { go = 1; next } go && NF == 13 { v[$1, $2] = $13; if (!($1 in sd)) { sd[$1] = 1; d[++nd] = $1 } if (!($2 in sw)) { sw[$2] = 1; w[++nw] = $2 } }
           END { h = "| workload |"; r = "|---|"; for (j = 1; j <= nd; j++) { h = h " " d[j] " |"; r = r "---:|" } print h; print r
                 for (i = 1; i <= nw; i++) { l = "| " w[i] " |"; for (j = 1; j <= nd; j++) l = l " " v[d[j], w[i]] " |"; print l } }' "$out/meta-syscalls.txt"
      echo
      echo "The calls by name (second round), and what the driver counted per operation (kicks it sent,"
      echo "interrupts it took; requests per operation are fixed by the workload):"
      echo
      echo "| workload | daemon | system calls by name, per operation | kicks, interrupts |"
      echo "|---|---|---|---:|"
      grep -h 'round 2: .*system calls per operation by name' "$out/meta.log" |
          sed 's/^\[\([^ ]*\) qd1\] \([^ ]*\) round 2: .*by name: \(.*\)$/\1|\2|\3/' >"$out/meta-names.txt"
      grep -h '^\[.* qd1\] .* round 2: per operation' "$out/meta.log" |
          sed 's/^\[\([^ ]*\) qd1\] \([^ ]*\) round 2: per operation \([0-9.]*\) kicks, [0-9.]* suppressed, \([0-9.]*\) interrupts$/\1|\2|\3, \4/' >"$out/meta-kicks.txt"
      awk -F'|' 'FNR == NR { k[$1 "|" $2] = $3; next } { printf "| %s | %s | %s | %s |\n", $1, $2, $3, k[$1 "|" $2] }' \
          "$out/meta-kicks.txt" "$out/meta-names.txt"
      echo
      echo "Instructions per operation, whole daemon, user space (cachegrind, I(250) - I(50) over 200 paced"
      echo "operations, the smaller of 2 rounds; both unsandboxed, as valgrind needs):"
      echo
      instructions_vs_rust "$out/meta.log" --instructions 250 --rounds 2 --qd 1 --guest linux --workload $MW
      if [ -n "${STRAITD_BEFORE:-}" ]; then
          # Before and after a change to straitd: the two binaries, same strait-load, unsandboxed.
          BW=readdir,create-unlink,mkdir-rmdir,meta-create,meta-rm
          for count in syscalls instructions; do
              n=300; [ $count = instructions ] && n=250
              "$load" --$count $n --rounds 2 --qd 1 --guest linux --workload $BW \
                  --daemon "before=$STRAITD_BEFORE $S --seccomp=none" --daemon "after=$straitd $S --seccomp=none" \
                  >"$out/meta-before-$count.txt" 2>>"$out/meta.log"
          done
          echo
          echo "straitd before and after this change (\`STRAITD_BEFORE\`: $(basename "$STRAITD_BEFORE"), its $("$STRAITD_BEFORE" --version 2>/dev/null | grep -m1 '^commit');"
          echo "after: this build), unsandboxed, per operation, the smaller of 2 rounds; system calls by \`strace -f -c\` (300 - 60"
          echo "operations), instructions by cachegrind (250 - 50):"
          echo
          echo "| workload | system calls before | after | instructions before | after | change |"
          echo "|---|---:|---:|---:|---:|---:|"
          awk 'FNR == 1 { f++ } $1 == "daemon" { go = 1; next } go && NF == 13 { v[f, $1, $2] = $13; if (f == 1 && $1 == "before") w[++n] = $2 }
               END { for (i = 1; i <= n; i++) { k = w[i]; a = v[2, "before", k]; b = v[2, "after", k]
                     printf "| %s | %.1f | %.1f | %.0f | %.0f | %+.1f%% |\n", k, v[1, "before", k], v[1, "after", k], a, b, (a > 0 ? 100 * (b - a) / a : 0) } }' \
              "$out/meta-before-syscalls.txt" "$out/meta-before-instructions.txt"
      fi
      echo
      echo "Commands: \`strait-load --answers --daemon ...\`, \`strait-load --syscalls 300 --rounds 2 --qd 1 --guest linux"
      echo "--workload $MW --daemon ...\` and the same with \`--instructions 250\` (daemons as in the peer tables;"
      echo "scripts/bench-host-speed.sh part \`meta\`)."
    } >"$out/meta.md.tmp"
    mv "$out/meta.md.tmp" "$out/meta.md"
fi

# Resident KiB per mapping of an idle daemon (started, socket up, 1 s later), summed over its
# process tree (both peers fork into their sandbox: a waiting parent and the serving child).
idle_rss() {  # NAME COMMAND (with {socket} and {dir})
    name=$1; cmd=$2; dir=$(mktemp -d /tmp/strait-rss-XXXXXX); mkdir "$dir/share"
    cmd=$(echo "$cmd" | sed "s|{socket}|$dir/s.sock|g; s|{dir}|$dir/share|g")
    $cmd >"$dir/log" 2>&1 &
    pid=$!
    i=0; while [ ! -S "$dir/s.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    sleep 1
    pids="$pid $(cat /proc/$pid/task/*/children 2>/dev/null)"
    n=$(echo $pids | wc -w)
    for p in $pids; do cat "/proc/$p/smaps" 2>/dev/null; done | awk -v name="$name" -v n="$n" '
        /^[0-9a-f]+-[0-9a-f]+ / {
            f = $6; sub(".*/", "", f)
            if (f == "" || f == "[heap]" || f == "[stack]") m = "anon"
            else if (f ~ /^\[/) m = "other"
            else if (f ~ /^libc[.-]/) m = "libc"
            else if (f ~ /^libstdc\+\+/) m = "libstdc++"
            else if (f ~ /\.so/) m = "libs"
            else m = "binary"
        }
        /^Rss:/ { r[m] += $2; t += $2 }
        /^Private_Dirty:/ { d += $2 }
        END { printf "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n", name, n, t, r["binary"], r["libc"], r["libstdc++"], r["libs"], r["anon"], r["other"], d }'
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
}
if want memory; then
    echo "== memory" >&2
    { provenance "memory"
      echo "Resident KiB per mapping, idle (started, socket listening, 1 s later; \`/proc/PID/smaps\`"
      echo "summed over the daemon's processes). \"binary\" is the daemon's own executable, \"anon\" heap,"
      echo "stacks and anonymous maps, \"other\" vdso/vvar; private dirty is what no other process shares."
      echo
      echo "| daemon | processes | Rss | binary | libc | libstdc++ | other libraries (libm, ld.so, ...) | anon | other | private dirty |"
      echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      idle_rss straitd "$straitd $S"
      idle_rss "straitd (sandbox=namespace)" "$straitd --socket-path={socket} --shared-dir={dir} --cache=auto"
      idle_rss "C virtiofsd" "$CBIN --socket-path={socket} -o source={dir},cache=auto"
      idle_rss "Rust virtiofsd" "$RUSTBIN --socket-path={socket} --shared-dir={dir} --cache=auto"
    } >"$out/memory.md.tmp"
    mv "$out/memory.md.tmp" "$out/memory.md"
fi

# In the guest: the VM runs are made apart (the shared VM slot, `flock /tmp/strait-vm.lock`) and
# stored; these parts only turn the stored documents into the tables.
for part in guest-queues guest-libaio; do
    want $part || continue
    echo "== $part" >&2
    if [ -z "${STRAIT:-}" ]; then
        swift build --product strait >/dev/null
        STRAIT=$(swift build --show-bin-path)/strait
    fi
    "$STRAIT" report --section $part --results docs/results >"$out/$part.md.tmp"
    mv "$out/$part.md.tmp" "$out/$part.md"
done

if [ -n "$write_doc" ]; then
    doc=docs/benchmarks.md
    for f in "$out"/*.md; do
        name=$(basename "$f" .md)
        grep -q "^<!-- generated: $name -->\$" "$doc" || { echo "no marker for $name in $doc" >&2; continue; }
        awk -v name="$name" -v frag="$f" '
            $0 == "<!-- generated: " name " -->" { print; while ((getline l < frag) > 0) print l; skip = 1; next }
            $0 == "<!-- end generated: " name " -->" { skip = 0 }
            !skip' "$doc" >"$doc.tmp" && mv "$doc.tmp" "$doc"
    done
    echo "wrote $doc" >&2
fi
echo "results in $out" >&2
