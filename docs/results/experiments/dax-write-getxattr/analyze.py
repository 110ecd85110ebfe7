#!/usr/bin/env python3
"""Summarises a guest ftrace (function tracer) of fuse_* during DAX write jobs: writes per job,
the GETXATTR round trip (fuse_getxattr -> the fuse_iomap_begin that follows on the same task),
the copy into the window (fuse_iomap_begin -> fuse_iomap_end), and who sent requests."""
import re, statistics, sys
from collections import defaultdict
rx = re.compile(r'^\s*(\S+)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+):\s+(\S+)\s+<-(\S+)')
ev = [(float(m.group(4)), int(m.group(2)), m.group(5), m.group(6))
      for m in map(rx.match, open(sys.argv[1], errors='replace')) if m]
def pct(xs, q): xs = sorted(xs); return xs[int(len(xs) * q)] * 1e6
def pairs(a, b):
    start, out = {}, []
    for t, pid, fn, _ in ev:
        if fn == a: start[pid] = t
        elif fn == b and pid in start: out.append(t - start.pop(pid))
    return out
writes = [(t, pid) for t, pid, fn, _ in ev if fn == 'fuse_dax_write_iter']
jobs, cur = [], [writes[0]]
for w in writes[1:]:
    if w[0] - cur[-1][0] > 1.0: jobs.append(cur); cur = [w]
    else: cur.append(w)
jobs.append(cur)
for j in jobs:
    span = j[-1][0] - j[0][0]
    print(f'job: {len(j)} DAX write(2)s over {span:.2f} s ({len(j) / span:.0f}/s)')
rt, cp = pairs('fuse_getxattr', 'fuse_iomap_begin'), pairs('fuse_iomap_begin', 'fuse_iomap_end')
gaps = [b[0] - a[0] for j in jobs for a, b in zip(j, j[1:])]
print(f'GETXATTR round trip: n={len(rt)} p50 {pct(rt, .5):.0f} us, p90 {pct(rt, .9):.0f} us, mean {statistics.mean(rt) * 1e6:.0f} us')
print(f'copy into the window: p50 {pct(cp, .5):.0f} us, mean {statistics.mean(cp) * 1e6:.0f} us')
print(f'write to write: p50 {pct(gaps, .5):.0f} us, mean {statistics.mean(gaps) * 1e6:.0f} us')
senders = defaultdict(int)
for _, _, fn, caller in ev:
    if fn == 'fuse_simple_request': senders[caller] += 1
print('requests by sender:', dict(sorted(senders.items(), key=lambda kv: -kv[1])))
