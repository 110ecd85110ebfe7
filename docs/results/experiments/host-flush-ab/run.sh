#!/bin/bash
# A/B: old runner (main e8599f4+, layout inside the step, no host flush) against new (host-flush), same straitd.
cd "$(git rev-parse --show-toplevel)"
D=${STRAITD:?release straitd}
F='backend=straitd|virtiofsd-c,workload=seqread-psync|randread-psync|seqwrite-psync|randwrite-psync'
OUT=${OUT:-/tmp/host-flush-ab}; mkdir -p $OUT
for i in 1 2; do
 for v in old new; do
  if [ $v = old ]; then S=${OLD:?strait before d2bfd36}; else S=${NEW:?strait at or after d2bfd36}; fi
  echo "$(date -u +%T) start $v$i" >> $OUT.log
  flock /tmp/strait-vm.lock $S run matrices/seed-2022-sshfs.yaml --quick --filter "$F" --straitd $D --results $OUT --run-id exp-$v$i > $OUT-$v$i.log 2>&1
  echo "$(date -u +%T) end $v$i" >> $OUT.log
 done
done
