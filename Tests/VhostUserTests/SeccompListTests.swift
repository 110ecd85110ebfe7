import CShims
import Testing

/// The seccomp allowlist (Sources/CShims/confine.c) names each system call once.
@Suite struct SeccompListTests {
    @Test func everyCallOnce() {
        let calls = (0..<strait_seccomp_allowlist_count()).map { strait_seccomp_allowlist_entry($0) }
        #expect(calls.count > 80)
        #expect(Set(calls).count == calls.count, "duplicates in the allowlist")
        #expect(!calls.contains(-1))
        #expect(strait_seccomp_allowlist_entry(Int32(calls.count)) == -1)
    }
}
