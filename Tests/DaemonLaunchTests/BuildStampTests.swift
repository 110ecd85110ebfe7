import DaemonLaunch
import Testing

struct BuildStampTests {
    @Test func versionLinesReadBack() {
        let stamp = BuildStamp(commit: "c4e0abcaa902-dirty", configuration: .release)
        #expect(stamp.versionLines == ["commit c4e0abcaa902-dirty", "build release"])
        let output = (["straitd 0.1.0 (virtiofsd-compatible vhost-user-fs backend)"] + stamp.versionLines).joined(separator: "\n") + "\n"
        #expect(BuildStamp(versionOutput: output) == stamp)
    }

    /// An unknown commit (empty BuildCommit.value) prints as `unknown` and reads back as nil.
    @Test func unknownIsNil() {
        let stamp = BuildStamp(commit: "", configuration: .debug)
        #expect(stamp.commit == nil)
        #expect(stamp.versionLines == ["commit unknown", "build debug"])
        #expect(BuildStamp(versionOutput: stamp.versionLines.joined(separator: "\n")) == stamp)
    }

    /// A straitd from before the stamp prints its version line only; another program prints
    /// anything. Neither yields a guess, and nothing but hex (and `-dirty`) passes as a commit.
    @Test func olderBinariesAndGarbageSayNothing() {
        let old = BuildStamp(versionOutput: "straitd 0.1.0 (virtiofsd-compatible vhost-user-fs backend)\n")
        #expect(old.commit == nil && old.configuration == nil)
        let odd = BuildStamp(versionOutput: "commit <script>x</script>\nbuild fast\ncommit 12\ncommit abc123 extra\n")
        #expect(odd.commit == nil && odd.configuration == nil)
        #expect(BuildStamp(versionOutput: "commit 0123456789abcdef0123456789abcdef01234567\n").commit == "0123456789abcdef0123456789abcdef01234567")
        #expect(BuildStamp(versionOutput: "commit abc-dirty-dirty\n").commit == nil)
    }
}
