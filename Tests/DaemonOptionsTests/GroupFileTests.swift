import DaemonOptions
import Testing

/// `--socket-group` resolved from /etc/group's text (straitd is static: no NSS modules).
struct GroupFileTests {
    let etcGroup = """
        root:x:0:
        # a comment:x:7:
        kvm:x:993:alice,bob
        docker::998:
        odd:x:notanumber:
        """

    @Test func namesNumbersAndMisses() {
        #expect(GroupFile.gid(of: "root", in: etcGroup) == 0)
        #expect(GroupFile.gid(of: "kvm", in: etcGroup) == 993)
        #expect(GroupFile.gid(of: "docker", in: etcGroup) == 998)
        #expect(GroupFile.gid(of: "1234", in: etcGroup) == 1234)
        #expect(GroupFile.gid(of: "kv", in: etcGroup) == nil)
        #expect(GroupFile.gid(of: "odd", in: etcGroup) == nil)
        #expect(GroupFile.gid(of: "# a comment", in: etcGroup) == nil)
        #expect(GroupFile.gid(of: "alice", in: etcGroup) == nil)
        #expect(GroupFile.gid(of: "kvm", in: "") == nil)
    }
}
