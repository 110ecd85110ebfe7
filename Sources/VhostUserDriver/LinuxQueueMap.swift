/// Which request queue a Linux 6.11+ guest sends a request on: virtio_fs keeps a per-CPU map
/// (`virtio_fs_map_queues`) built from the request vqs' interrupt affinity, which the MSI-X
/// vectors get from `group_cpus_evenly(num_request_queues)`; a request goes out on its
/// submitting CPU's queue. With at least as many queues as CPUs, CPU c takes queue c and the
/// queues past the CPUs carry nothing; with fewer, each queue takes a contiguous group of CPUs,
/// the first `cpus % queues` groups one CPU larger (one NUMA node, CPUs 0..cpus-1).
public enum LinuxQueueMap {
    /// The 0-based request queue of `cpu` among `cpus` CPUs and `queues` request queues.
    public static func requestQueue(cpu: Int, cpus: Int, queues: Int) -> Int {
        precondition(cpus >= 1 && queues >= 1 && (0..<cpus).contains(cpu))
        if queues >= cpus { return cpu }
        let base = cpus / queues, extra = cpus % queues
        // The first `extra` groups hold base + 1 CPUs.
        let big = extra * (base + 1)
        return cpu < big ? cpu / (base + 1) : extra + (cpu - big) / base
    }
}
