import Glibc
import Testing
@testable import Passthrough

@Suite struct CachePolicyTests {
    @Test func modesMatchVirtiofsd() {
        let none = CachePolicy(mode: .none)
        #expect(none.entryTimeout == 0 && none.attrTimeout == 0)
        #expect(none.directIO && !none.keepCache && !none.cacheDir)

        let auto = CachePolicy(mode: .auto)
        #expect(auto.entryTimeout == 1 && auto.attrTimeout == 1)
        #expect(!auto.directIO && !auto.keepCache)

        let always = CachePolicy(mode: .always)
        #expect(always.entryTimeout == 86400 && always.attrTimeout == 86400)
        #expect(always.keepCache && !always.directIO && always.cacheDir)

        let metadata = CachePolicy(mode: .metadata)
        #expect(metadata.attrTimeout == 86400 && metadata.directIO && !metadata.keepCache)
    }

    @Test func timeoutOverrides() {
        let p = CachePolicy(mode: .always, timeout: 5)
        #expect(p.entryTimeout == 5 && p.attrTimeout == 5 && p.keepCache)
        #expect(CachePolicy(mode: .none, timeout: 2.5).attrTimeout == 2.5)
        #expect(CachePolicy(mode: .auto, timeout: -1).entryTimeout == 0)
    }

    @Test func parsesBothSpellings() {
        #expect(CacheMode(parsing: "never") == CacheMode.none)
        #expect(CacheMode(parsing: "none") == CacheMode.none)
        #expect(CacheMode(parsing: "auto") == .auto)
        #expect(CacheMode(parsing: "always") == .always)
        #expect(CacheMode(parsing: "metadata") == .metadata)
        #expect(CacheMode(parsing: "sometimes") == nil)
        #expect(CacheMode(parsing: "") == nil)
    }

    @Test func openResultsFollowPolicy() throws {
        let none = try Fixture { $0.cache = .none }
        none.dir.write("f", "x")
        let e = try none.fs.lookup(parent: 1, name: bytes("f"))
        let r = try none.fs.open(node: e.node, flags: O_RDONLY)
        #expect(r.directIO && !r.keepCache)

        let always = try Fixture { $0.cache = .always }
        always.dir.write("f", "x")
        let e2 = try always.fs.lookup(parent: 1, name: bytes("f"))
        let r2 = try always.fs.open(node: e2.node, flags: O_RDONLY)
        #expect(r2.keepCache && !r2.directIO)
        let d = try always.fs.opendir(node: 1)
        #expect(d.cacheDir)
        #expect(always.fs.policy.entryTimeout == 86400)
    }
}
