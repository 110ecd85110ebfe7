import Glibc
@testable import Posix
import Testing

struct HostBusyTests {
    /// user + nice + system + irq + softirq + steal, in ticks; idle and iowait left out.
    @Test func busyTimeFromTheCPULine() {
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        #expect(ProcessUsage.hostCPU(cpuLine: "cpu  100 20 30 5000 70 1 2 3 0 0")?.busy == 156 / hz)
        #expect(ProcessUsage.hostCPU(cpuLine: "cpu  1 2 3") == nil)
        #expect(ProcessUsage.hostCPU().map { $0.busy > 0 } == true)
    }
}
