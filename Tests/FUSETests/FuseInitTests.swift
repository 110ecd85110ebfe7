import Testing

@testable import FUSE

/// INIT negotiation: version handling, flag intersection and the reply layout per minor.
@Suite struct FuseInitTests {
    /// Every flag a 6.1 guest offers (what the kernel sends on a virtio-fs mount).
    static let guestFlags: FuseInitFlags = FuseInitFlags(rawValue: 0x3FFF_FFFF).union([.initExt, .securityCtx, .hasInodeDax])

    func negotiate(minor: UInt32 = 38, flags: FuseInitFlags = guestFlags, config: FuseInitConfig = .init())
        -> (FuseInitOut, [UInt8], FuseSession)?
    {
        let i = FuseInitIn(major: 7, minor: minor, maxReadahead: 0x20000, flags: flags.low, flags2: flags.high)
        guard case .accepted(let out, let bytes, let session) = FuseInit.negotiate(i, config: config) else { return nil }
        return (out, bytes, session)
    }

    @Test func defaultConfigAgainstA61Guest() throws {
        let (out, bytes, session) = try #require(negotiate())
        #expect(bytes.count == 64)
        #expect(out.major == 7 && out.minor == 38 && out.maxReadahead == 0x20000)
        let agreed = FuseInitFlags(low: out.flags, high: out.flags2)
        for f: FuseInitFlags in [.asyncRead, .asyncDIO, .parallelDirops, .atomicOTrunc, .exportSupport, .bigWrites,
                                 .autoInvalData, .doReaddirplus, .readdirplusAuto, .maxPages, .setxattrExt,
                                 .initExt, .posixLocks, .flockLocks] {
            #expect(agreed.contains(f), "\(f)")
        }
        for f: FuseInitFlags in [.writebackCache, .posixACL, .dontMask, .handleKillprivV2, .submounts,
                                 .mapAlignment, .securityCtx, .hasInodeDax, .spliceRead, .noOpenSupport] {
            #expect(!agreed.contains(f), "\(f)")
        }
        #expect(out.maxPages == 256 && out.maxWrite == 1 << 20 && out.mapAlignment == 0 && out.timeGran == 1)
        #expect(session.setxattrExt && session.minor == 38)
        #expect(try FuseInitOut(bytes: bytes) == out)
    }

    /// Issue 11: without ASYNC_DIO a 6.1 guest runs each O_DIRECT aio synchronously in io_submit
    /// (fuse_direct_IO: io->async = fc->async_dio), so libaio at iodepth 16 behaved as QD1.
    /// Both virtiofsd agree it by default; so must we, whatever the options.
    @Test func asyncDirectIOIsAlwaysAgreed() throws {
        for writeback in [false, true] {
            var c = FuseInitConfig()
            c.writeback = writeback
            c.readdirplus = false; c.posixLocks = false; c.flockLocks = false
            let (out, _, session) = try #require(negotiate(config: c))
            #expect(out.flags & UInt32(truncatingIfNeeded: FuseInitFlags.asyncDIO.rawValue) != 0)
            #expect(session.flags.contains(.asyncDIO))
        }
        // Not offered, not agreed.
        let (out, _, _) = try #require(negotiate(flags: [.asyncRead]))
        #expect(out.flags == FuseInitFlags.asyncRead.low)
    }

    @Test func optionalCapabilities() throws {
        var c = FuseInitConfig()
        c.writeback = true; c.posixACL = true; c.killprivV2 = true; c.announceSubmounts = true
        c.readdirplus = false; c.posixLocks = false; c.flockLocks = false; c.daxMapAlignment = 12
        let (out, _, _) = try #require(negotiate(config: c))
        let agreed = FuseInitFlags(low: out.flags, high: out.flags2)
        #expect(agreed.isSuperset(of: [.writebackCache, .posixACL, .dontMask, .handleKillprivV2, .submounts, .mapAlignment]))
        #expect(agreed.isDisjoint(with: [.doReaddirplus, .readdirplusAuto, .posixLocks, .flockLocks]))
        #expect(out.mapAlignment == 12)
    }

    @Test func onlyWhatTheGuestOffers() throws {
        let (out, _, session) = try #require(negotiate(flags: [.asyncRead, .writebackCache]))
        #expect(out.flags == FuseInitFlags.asyncRead.low)
        #expect(out.flags2 == 0 && out.maxPages == 0)
        #expect(out.maxWrite == 32 * 4096)  // no MAX_PAGES: the guest cannot send more anyway
        #expect(!session.setxattrExt)
        #expect(session.setxattrInSize == 8)
    }

    @Test func olderMinorsGetTheirLayout() throws {
        #expect(try #require(negotiate(minor: 31)).1.count == 64)
        #expect(try #require(negotiate(minor: 31)).0.minor == 31)
        #expect(try #require(negotiate(minor: 22)).1.count == 24)
        #expect(try #require(negotiate(minor: 4)).1.count == 8)
        let s = try #require(negotiate(minor: 8)).2
        #expect(s.entryOutSize == 120 && s.attrOutSize == 96 && s.writeInSize == 24 && s.mknodInSize == 8)
        #expect(try #require(negotiate(minor: 3)).2.statfsOutSize == 48)
    }

    @Test func newerMinorIsCappedAtOurs() throws {
        #expect(try #require(negotiate(minor: 40)).0.minor == 38)
    }

    @Test func majorVersionHandling() {
        let newer = FuseInit.negotiate(FuseInitIn(major: 8, minor: 0), config: .init())
        guard case .retry(let bytes) = newer else { Issue.record("expected retry"); return }
        #expect(bytes.count == 64 && bytes[0] == 7 && bytes[4] == 38)
        #expect(FuseInit.negotiate(FuseInitIn(major: 6, minor: 99), config: .init()) == .refused(errno: 71))
    }
}
