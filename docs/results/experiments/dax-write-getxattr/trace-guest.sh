#!/bin/bash
# Run against the guest of a running `strait run` (the DAX cell's VM) as soon as its share is
# mounted: ftrace's function tracer on the guest's fuse functions, read into /root/daxw-trace.txt.
# Only ONE reader of trace_pipe (two readers split the events between them).
# Usage: trace-guest.sh PORT   (the VM's forwarded SSH port: hostfwd=tcp:127.0.0.1:PORT in its QEMU argv)
P=$1
SSH="ssh -i /var/cache/strait/ssh/id_ed25519 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -p $P root@127.0.0.1"
$SSH 'mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; cd /sys/kernel/tracing &&
  echo "fuse_* dax_iomap_rw file_remove_privs invalidate_inode_pages2_range" > set_ftrace_filter &&
  echo 65536 > buffer_size_kb && echo function > current_tracer && echo 1 > tracing_on &&
  nohup sh -c "exec cat trace_pipe >> /root/daxw-trace.txt" >/dev/null 2>&1 &'
# Copy it out while the VM lives (the runner destroys it after the cell):
#   while $SSH cat /root/daxw-trace.txt > t.new; do mv t.new trace.txt; sleep 1.5; done
