#!/bin/bash
# Coverage-guided fuzzing of straitd's parsers with libFuzzer (Swift's -sanitize=fuzzer, with
# AddressSanitizer): the vhost-user message handling, the descriptor-chain walker and the FUSE
# dispatcher (Sources/FuzzTargets). Each target runs SECONDS (default 60) from the committed
# corpus (Tests/Fuzz/corpus/TARGET, read-only) plus a working corpus under .build-fuzz/corpus.
# A crash or hang fails the script and leaves the input under .build-fuzz/findings/TARGET: fix
# the bug, then commit that input to Tests/Fuzz/corpus/TARGET as a regression input (the unit
# tests replay the corpus on every run).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     CI runs a short smoke; the nightly runs long.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(message chain dispatcher)
scratch=.build-fuzz
swift build --scratch-path "$scratch" --product strait-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld -Xswiftc -DSTRAIT_LIBFUZZER >&2
bin=$scratch/debug/strait-fuzz
status=0
for t in "${targets[@]}"; do
    mkdir -p "$scratch/corpus/$t" "$scratch/findings/$t"
    echo "fuzz: $t for ${seconds}s" >&2
    if ! STRAIT_FUZZ_TARGET=$t "$bin" "$scratch/corpus/$t" "Tests/Fuzz/corpus/$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$scratch/findings/$t/" -print_final_stats=1 \
        > "$scratch/fuzz-$t.log" 2>&1; then
        echo "fuzz: $t FOUND A FAILURE; input(s) in $scratch/findings/$t/:" >&2
        ls "$scratch/findings/$t" >&2
        tail -40 "$scratch/fuzz-$t.log" >&2
        status=1
    else
        grep -E "stat::number_of_executed_units|stat::new_units_added" "$scratch/fuzz-$t.log" | tr '\n' ' ' >&2
        echo >&2
    fi
done
rm -rf /tmp/strait-fuzz-*
exit $status
