import Foundation
import Harness
import Posix
@testable import Runner
import Testing

struct HostDisturbanceTests {
    /// Other work = the host's busy time less the run's own, per second of the step.
    @Test func otherCoresIsTheHostsBusyTimeLessOurs() {
        let a = HostDisturbance.Sample(hostBusy: 100, ours: 10, kernel: 0, at: 1_000)
        let b = HostDisturbance.Sample(hostBusy: 130, ours: 20, kernel: 0, at: 1_010)
        #expect(HostDisturbance.otherCores(from: a, to: b) == 2.0)
        // Ours can outgrow the host's count by rounding (ticks): never negative.
        #expect(HostDisturbance.otherCores(from: a, to: HostDisturbance.Sample(hostBusy: 100, ours: 11, kernel: 0, at: 1_002)) == 0)
        #expect(HostDisturbance.otherCores(from: a, to: HostDisturbance.Sample(hostBusy: 101, ours: 10, kernel: 0, at: 1_000.5)) == nil, "under a second says nothing")
        #expect(HostDisturbance.otherCores(from: nil, to: b) == nil)
        #expect(HostDisturbance.note(0.2) == "")
        #expect(HostDisturbance.note(1.37) == " [DISTURBED: other work took 1.37 host cores]")
    }

    /// The kernel's threads (the host writing back what the run wrote) are neither ours nor other
    /// work: measured apart and shown, never a disturbance (meta-n1's native cell read "disturbed"
    /// while its guest's disk image was written back).
    @Test func kernelThreadsAreApartFromOtherWork() {
        let a = HostDisturbance.Sample(hostBusy: 100, ours: 10, kernel: 5, at: 1_000)
        let b = HostDisturbance.Sample(hostBusy: 130, ours: 20, kernel: 9, at: 1_010)
        #expect(HostDisturbance.otherCores(from: a, to: b) == 1.6)
        #expect(HostDisturbance.kernelCores(from: a, to: b) == 0.4)
        #expect(HostDisturbance.note(0.1, kernel: 0.4) == " [host kernel threads took 0.40 cores]")
        #expect(HostDisturbance.note(0.3, kernel: 0.1) == " [DISTURBED: other work took 0.30 host cores]")
        #expect(HostDisturbance.kernelCores(from: a, to: HostDisturbance.Sample(hostBusy: 100, ours: 10, kernel: 5, at: 1_000.5)) == nil)
    }

    /// A disturbed step names who took the CPU: programs summed by name, the host's interrupt and
    /// steal time (charged to no process), and what no process explains; a quiet step names nothing.
    @Test func aDisturbanceNamesWhoTookTheCPU() {
        var a = HostDisturbance.Sample(hostBusy: 100, ours: 10, kernel: 0, at: 1_000, interrupts: 1, steal: 2)
        a.others = [41: .init(name: "swift-build", seconds: 50), 42: .init(name: "swift-frontend", seconds: 3),
                    43: .init(name: "libvirtd", seconds: 7)]
        var b = HostDisturbance.Sample(hostBusy: 130, ours: 20, kernel: 0, at: 1_010, interrupts: 1.5, steal: 2)
        // swift-frontend 42 ended (its time went into swift-build's reaped time); 44 started.
        b.others = [41: .init(name: "swift-build", seconds: 61), 44: .init(name: "swift-frontend", seconds: 4),
                    43: .init(name: "libvirtd", seconds: 7.2)]
        #expect(HostDisturbance.otherCores(from: a, to: b) == 2.0)
        #expect(HostDisturbance.sources(from: a, to: b) == "swift-build 1.10, swift-frontend 0.40, interrupts 0.05, unexplained 0.43")
        #expect(HostDisturbance.sources(from: a, to: b, top: 1) == "swift-build 1.10, unexplained 0.43")
        #expect(HostDisturbance.note(2.0, sources: "swift-build 1.10") == " [DISTURBED: other work took 2.00 host cores: swift-build 1.10]")
        #expect(HostDisturbance.note(0.1, sources: "swift-build 0.10") == "")
        #expect(HostDisturbance.sources(from: a, to: HostDisturbance.Sample(hostBusy: 101, ours: 10, kernel: 0, at: 1_000.5)) == "")
    }

    /// Busy is every CPU's elapsed time less its idle and iowait time (exact on a tickless
    /// kernel), not the tick-counted user and system time: 2 CPUs for 10 s with 12 s idle were
    /// busy 8 s, whatever the ticks said.
    @Test func busyIsTheCPUsTimeLessIdle() {
        let a = ProcessUsage.HostCPU(busy: 50, idle: 300, interrupts: 0, steal: 0, cpus: 2)
        let b = ProcessUsage.HostCPU(busy: 57, idle: 312, interrupts: 0, steal: 0, cpus: 2)
        #expect(HostDisturbance.busySeconds(b, at: 1_010) - HostDisturbance.busySeconds(a, at: 1_000) == 8)
        let cpu = ProcessUsage.hostCPU()
        #expect(cpu?.cpus == Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), "\(String(describing: cpu))")
        #expect((cpu?.idle ?? 0) > 0)
    }

    /// A live sample counts the kernel's threads (kthreadd, pid 2, and its children) as kernel.
    @Test func aLiveSampleReadsTheKernelsThreads() throws {
        let run = try Run(root: NSTemporaryDirectory() + "strait-disturbance-k-\(getpid())")
        defer { run.remove(); run.release() }
        let s = try #require(HostDisturbance(run: run).sample())
        #expect(s.kernel > 0, "the kernel's threads have run since boot")
        #expect(s.kernel < s.hostBusy)
    }

    /// The live sample reads this host: its busy time only grows, and this process's own CPU
    /// (a busy loop here) is counted as the run's, not as other work.
    @Test func aLiveSampleCountsThisProcessAsOurs() throws {
        let run = try Run(root: NSTemporaryDirectory() + "strait-disturbance-\(getpid())")
        defer { run.remove(); run.release() }
        let d = HostDisturbance(run: run)
        let a = try #require(d.sample())
        // Half a second of this thread's CPU, however busy the machine is (at most 20 s of waiting).
        let start = monotonicSeconds()
        let cpu0 = threadCPUNanoseconds()
        var x = 0.0
        while threadCPUNanoseconds() - cpu0 < 500_000_000 && monotonicSeconds() - start < 20 { x += sin(x) + 1 }
        let burnt = Double(threadCPUNanoseconds() - cpu0) / 1e9
        let b = try #require(d.sample())
        #expect(x > 0)
        #expect(b.hostBusy >= a.hostBusy)
        // /proc's times come in ticks: a tenth of a second of slack.
        #expect(b.ours - a.ours >= burnt - 0.1, "the busy loop's \(burnt) s of CPU are ours: \(b.ours - a.ours) s")
    }
}
