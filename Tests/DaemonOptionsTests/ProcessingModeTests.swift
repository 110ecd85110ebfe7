import DaemonOptions
import Testing
import VirtioFS

/// --thread-pool-size, --inline-threshold, --processing, --request-queues and --poll.
@Suite struct ProcessingModeTests {
    private let base = ["--shared-dir=/s", "--fd=3"]

    @Test func zeroThreadsIsInline() throws {
        #expect(try configuration(base + ["--thread-pool-size=0"]).server.mode == .inline)
    }

    @Test func threadsAutoSwitchWithThreshold() throws {
        #expect(try configuration(base + ["--thread-pool-size=8", "--inline-threshold=5"]).server.mode
            == .auto(threads: 8, threshold: 5))
        #expect(try configuration(base + ["--inline-threshold", "0"]).server.mode
            == .auto(threads: DaemonConfiguration.defaultPoolThreads, threshold: 0))
    }

    @Test func pinnedModes() throws {
        #expect(try configuration(base + ["--processing=pool", "--thread-pool-size=6"]).server.mode == .pool(threads: 6))
        #expect(try configuration(base + ["--processing=pool"]).server.mode
            == .pool(threads: DaemonConfiguration.defaultPoolThreads))
        #expect(try configuration(base + ["--processing=inline"]).server.mode == .inline)
        #expect(try configuration(base + ["--processing=inline", "--thread-pool-size=0"]).server.mode == .inline)
        #expect(try configuration(base + ["--processing=auto", "--thread-pool-size=2"]).server.mode
            == .auto(threads: 2, threshold: 3))
    }

    @Test func contradictions() {
        #expect(parseError(base + ["--processing=inline", "--thread-pool-size=4"])?.code == .conflict)
        #expect(parseError(base + ["--processing=pool", "--thread-pool-size=0"])?.code == .conflict)
        #expect(parseError(base + ["--processing=auto", "--thread-pool-size=0"])?.code == .conflict)
        #expect(parseError(base + ["--processing=fast"])?.code == .invalidValue)
    }

    @Test func requestQueues() throws {
        #expect(try configuration(base + ["--request-queues=4"]).server.requestQueues == 4)
        #expect(parseError(base + ["--request-queues=0"])?.code == .invalidValue)
        #expect(parseError(base + ["--request-queues=-1"])?.code == .invalidValue)
    }

    @Test func pollModes() throws {
        #expect(try configuration(base).server.poll == DaemonConfiguration.defaultPoll)
        #expect(try configuration(base + ["--poll=adaptive"]).server.poll == .adaptive)
        #expect(try configuration(base + ["--poll", "on"]).server.poll == .on)
        #expect(try configuration(["-o", "source=/s,poll=off", "--fd=3"]).server.poll == .off)
        #expect(try configuration(["-o", "source=/s,poll=adaptive", "--fd=3"]).server.poll == .adaptive)
        #expect(parseError(base + ["--poll=sometimes"])?.code == .invalidValue)
        #expect(parseError(["-o", "source=/s,poll=spin", "--fd=3"])?.code == .invalidValue)
        #expect(parseError(base + ["--poll=on", "-o", "poll=off"])?.code == .conflict)
    }
}
