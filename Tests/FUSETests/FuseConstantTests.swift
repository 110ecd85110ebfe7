import CShims
import Testing

@testable import FUSE

/// Opcodes and flag bits against the kernel header's enum and macros.
@Suite struct FuseConstantTests {
    @Test func everyKernelOpcodeIsKnown() {
        let pairs: [(UInt32, UInt32)] = [
        (FuseOpcode.lookup.rawValue, FUSE_LOOKUP.rawValue),
        (FuseOpcode.forget.rawValue, FUSE_FORGET.rawValue),
        (FuseOpcode.getattr.rawValue, FUSE_GETATTR.rawValue),
        (FuseOpcode.setattr.rawValue, FUSE_SETATTR.rawValue),
        (FuseOpcode.readlink.rawValue, FUSE_READLINK.rawValue),
        (FuseOpcode.symlink.rawValue, FUSE_SYMLINK.rawValue),
        (FuseOpcode.mknod.rawValue, FUSE_MKNOD.rawValue),
        (FuseOpcode.mkdir.rawValue, FUSE_MKDIR.rawValue),
        (FuseOpcode.unlink.rawValue, FUSE_UNLINK.rawValue),
        (FuseOpcode.rmdir.rawValue, FUSE_RMDIR.rawValue),
        (FuseOpcode.rename.rawValue, FUSE_RENAME.rawValue),
        (FuseOpcode.link.rawValue, FUSE_LINK.rawValue),
        (FuseOpcode.open.rawValue, FUSE_OPEN.rawValue),
        (FuseOpcode.read.rawValue, FUSE_READ.rawValue),
        (FuseOpcode.write.rawValue, FUSE_WRITE.rawValue),
        (FuseOpcode.statfs.rawValue, FUSE_STATFS.rawValue),
        (FuseOpcode.release.rawValue, FUSE_RELEASE.rawValue),
        (FuseOpcode.fsync.rawValue, FUSE_FSYNC.rawValue),
        (FuseOpcode.setxattr.rawValue, FUSE_SETXATTR.rawValue),
        (FuseOpcode.getxattr.rawValue, FUSE_GETXATTR.rawValue),
        (FuseOpcode.listxattr.rawValue, FUSE_LISTXATTR.rawValue),
        (FuseOpcode.removexattr.rawValue, FUSE_REMOVEXATTR.rawValue),
        (FuseOpcode.flush.rawValue, FUSE_FLUSH.rawValue),
        (FuseOpcode.`init`.rawValue, FUSE_INIT.rawValue),
        (FuseOpcode.opendir.rawValue, FUSE_OPENDIR.rawValue),
        (FuseOpcode.readdir.rawValue, FUSE_READDIR.rawValue),
        (FuseOpcode.releasedir.rawValue, FUSE_RELEASEDIR.rawValue),
        (FuseOpcode.fsyncdir.rawValue, FUSE_FSYNCDIR.rawValue),
        (FuseOpcode.getlk.rawValue, FUSE_GETLK.rawValue),
        (FuseOpcode.setlk.rawValue, FUSE_SETLK.rawValue),
        (FuseOpcode.setlkw.rawValue, FUSE_SETLKW.rawValue),
        (FuseOpcode.access.rawValue, FUSE_ACCESS.rawValue),
        (FuseOpcode.create.rawValue, FUSE_CREATE.rawValue),
        (FuseOpcode.interrupt.rawValue, FUSE_INTERRUPT.rawValue),
        (FuseOpcode.bmap.rawValue, FUSE_BMAP.rawValue),
        (FuseOpcode.destroy.rawValue, FUSE_DESTROY.rawValue),
        (FuseOpcode.ioctl.rawValue, FUSE_IOCTL.rawValue),
        (FuseOpcode.poll.rawValue, FUSE_POLL.rawValue),
        (FuseOpcode.notifyReply.rawValue, FUSE_NOTIFY_REPLY.rawValue),
        (FuseOpcode.batchForget.rawValue, FUSE_BATCH_FORGET.rawValue),
        (FuseOpcode.fallocate.rawValue, FUSE_FALLOCATE.rawValue),
        (FuseOpcode.readdirplus.rawValue, FUSE_READDIRPLUS.rawValue),
        (FuseOpcode.rename2.rawValue, FUSE_RENAME2.rawValue),
        (FuseOpcode.lseek.rawValue, FUSE_LSEEK.rawValue),
        (FuseOpcode.copyFileRange.rawValue, FUSE_COPY_FILE_RANGE.rawValue),
        (FuseOpcode.setupmapping.rawValue, FUSE_SETUPMAPPING.rawValue),
        (FuseOpcode.removemapping.rawValue, FUSE_REMOVEMAPPING.rawValue),
        (FuseOpcode.syncfs.rawValue, FUSE_SYNCFS.rawValue),
        (FuseOpcode.tmpfile.rawValue, FUSE_TMPFILE.rawValue),
        (FuseOpcode.cuseInit.rawValue, CUSE_INIT.rawValue),
        (FuseOpcode.cuseInitBswapReserved.rawValue, CUSE_INIT_BSWAP_RESERVED.rawValue),
        (FuseOpcode.fuseInitBswapReserved.rawValue, FUSE_INIT_BSWAP_RESERVED.rawValue),
        ]
        for (ours, kernel) in pairs { #expect(ours == kernel) }
        #expect(pairs.count == FuseOpcode.allCases.count)
        #expect(FuseOpcode(rawValue: 7) == nil)  // a gap in the kernel's numbering
    }

    @Test func initFlagsMatchKernel() {
        let pairs: [(UInt64, UInt64)] = [
        (FuseInitFlags.asyncRead.rawValue, UInt64(FUSE_ASYNC_READ)),
        (FuseInitFlags.posixLocks.rawValue, UInt64(FUSE_POSIX_LOCKS)),
        (FuseInitFlags.fileOps.rawValue, UInt64(FUSE_FILE_OPS)),
        (FuseInitFlags.atomicOTrunc.rawValue, UInt64(FUSE_ATOMIC_O_TRUNC)),
        (FuseInitFlags.exportSupport.rawValue, UInt64(FUSE_EXPORT_SUPPORT)),
        (FuseInitFlags.bigWrites.rawValue, UInt64(FUSE_BIG_WRITES)),
        (FuseInitFlags.dontMask.rawValue, UInt64(FUSE_DONT_MASK)),
        (FuseInitFlags.spliceWrite.rawValue, UInt64(FUSE_SPLICE_WRITE)),
        (FuseInitFlags.spliceMove.rawValue, UInt64(FUSE_SPLICE_MOVE)),
        (FuseInitFlags.spliceRead.rawValue, UInt64(FUSE_SPLICE_READ)),
        (FuseInitFlags.flockLocks.rawValue, UInt64(FUSE_FLOCK_LOCKS)),
        (FuseInitFlags.hasIoctlDir.rawValue, UInt64(FUSE_HAS_IOCTL_DIR)),
        (FuseInitFlags.autoInvalData.rawValue, UInt64(FUSE_AUTO_INVAL_DATA)),
        (FuseInitFlags.doReaddirplus.rawValue, UInt64(FUSE_DO_READDIRPLUS)),
        (FuseInitFlags.readdirplusAuto.rawValue, UInt64(FUSE_READDIRPLUS_AUTO)),
        (FuseInitFlags.asyncDIO.rawValue, UInt64(FUSE_ASYNC_DIO)),
        (FuseInitFlags.writebackCache.rawValue, UInt64(FUSE_WRITEBACK_CACHE)),
        (FuseInitFlags.noOpenSupport.rawValue, UInt64(FUSE_NO_OPEN_SUPPORT)),
        (FuseInitFlags.parallelDirops.rawValue, UInt64(FUSE_PARALLEL_DIROPS)),
        (FuseInitFlags.handleKillpriv.rawValue, UInt64(FUSE_HANDLE_KILLPRIV)),
        (FuseInitFlags.posixACL.rawValue, UInt64(FUSE_POSIX_ACL)),
        (FuseInitFlags.abortError.rawValue, UInt64(FUSE_ABORT_ERROR)),
        (FuseInitFlags.maxPages.rawValue, UInt64(FUSE_MAX_PAGES)),
        (FuseInitFlags.cacheSymlinks.rawValue, UInt64(FUSE_CACHE_SYMLINKS)),
        (FuseInitFlags.noOpendirSupport.rawValue, UInt64(FUSE_NO_OPENDIR_SUPPORT)),
        (FuseInitFlags.explicitInvalData.rawValue, UInt64(FUSE_EXPLICIT_INVAL_DATA)),
        (FuseInitFlags.mapAlignment.rawValue, UInt64(FUSE_MAP_ALIGNMENT)),
        (FuseInitFlags.submounts.rawValue, UInt64(FUSE_SUBMOUNTS)),
        (FuseInitFlags.handleKillprivV2.rawValue, UInt64(FUSE_HANDLE_KILLPRIV_V2)),
        (FuseInitFlags.setxattrExt.rawValue, UInt64(FUSE_SETXATTR_EXT)),
        (FuseInitFlags.initExt.rawValue, UInt64(FUSE_INIT_EXT)),
        (FuseInitFlags.initReserved.rawValue, UInt64(UInt32(bitPattern: Int32(FUSE_INIT_RESERVED)))),
        (FuseInitFlags.securityCtx.rawValue, UInt64(FUSE_SECURITY_CTX)),
        (FuseInitFlags.hasInodeDax.rawValue, UInt64(FUSE_HAS_INODE_DAX)),
        (FuseInitFlags.hasExpireOnly.rawValue, UInt64(FUSE_HAS_EXPIRE_ONLY)),
        ]
        for (ours, kernel) in pairs { #expect(ours == kernel) }
        #expect(FuseInitFlags(low: 0x8000_0001, high: 2) == [.initReserved, .asyncRead, .hasInodeDax])
    }

    @Test func smallFlagsMatchKernel() {
        #expect(FuseSetattrValid.mode == UInt32(FATTR_MODE))
        #expect(FuseSetattrValid.uid == UInt32(FATTR_UID))
        #expect(FuseSetattrValid.gid == UInt32(FATTR_GID))
        #expect(FuseSetattrValid.size == UInt32(FATTR_SIZE))
        #expect(FuseSetattrValid.atime == UInt32(FATTR_ATIME))
        #expect(FuseSetattrValid.mtime == UInt32(FATTR_MTIME))
        #expect(FuseSetattrValid.fh == UInt32(FATTR_FH))
        #expect(FuseSetattrValid.atimeNow == UInt32(FATTR_ATIME_NOW))
        #expect(FuseSetattrValid.mtimeNow == UInt32(FATTR_MTIME_NOW))
        #expect(FuseSetattrValid.lockOwner == UInt32(FATTR_LOCKOWNER))
        #expect(FuseSetattrValid.ctime == UInt32(FATTR_CTIME))
        #expect(FuseSetattrValid.killSuidgid == UInt32(FATTR_KILL_SUIDGID))
        #expect(FuseOpenOutFlags.directIO == UInt32(FOPEN_DIRECT_IO))
        #expect(FuseOpenOutFlags.keepCache == UInt32(FOPEN_KEEP_CACHE))
        #expect(FuseOpenOutFlags.nonseekable == UInt32(FOPEN_NONSEEKABLE))
        #expect(FuseOpenOutFlags.cacheDir == UInt32(FOPEN_CACHE_DIR))
        #expect(FuseOpenOutFlags.stream == UInt32(FOPEN_STREAM))
        #expect(FuseOpenOutFlags.noflush == UInt32(FOPEN_NOFLUSH))
        #expect(FuseOpenOutFlags.parallelDirectWrites == UInt32(FOPEN_PARALLEL_DIRECT_WRITES))
        #expect(FuseFlag.releaseFlush == UInt32(FUSE_RELEASE_FLUSH))
        #expect(FuseFlag.releaseFlockUnlock == UInt32(FUSE_RELEASE_FLOCK_UNLOCK))
        #expect(FuseFlag.getattrFH == UInt32(FUSE_GETATTR_FH))
        #expect(FuseFlag.lkFlock == UInt32(FUSE_LK_FLOCK))
        #expect(FuseFlag.writeCache == UInt32(FUSE_WRITE_CACHE))
        #expect(FuseFlag.writeLockOwner == UInt32(FUSE_WRITE_LOCKOWNER))
        #expect(FuseFlag.writeKillSuidgid == UInt32(FUSE_WRITE_KILL_SUIDGID))
        #expect(FuseFlag.readLockOwner == UInt32(FUSE_READ_LOCKOWNER))
        #expect(FuseFlag.fsyncFdatasync == UInt32(FUSE_FSYNC_FDATASYNC))
        #expect(FuseFlag.attrSubmount == UInt32(FUSE_ATTR_SUBMOUNT))
        #expect(FuseFlag.attrDax == UInt32(FUSE_ATTR_DAX))
        #expect(FuseFlag.openKillSuidgid == UInt32(FUSE_OPEN_KILL_SUIDGID))
        #expect(FuseFlag.setxattrACLKillSgid == UInt32(FUSE_SETXATTR_ACL_KILL_SGID))
        #expect(FuseFlag.setupmappingWrite == UInt64(FUSE_SETUPMAPPING_FLAG_WRITE))
        #expect(FuseFlag.setupmappingRead == UInt64(FUSE_SETUPMAPPING_FLAG_READ))
    }

    @Test func notifyCodesMatchKernel() {
        #expect(FuseNotifyCode.poll.rawValue == FUSE_NOTIFY_POLL.rawValue)
        #expect(FuseNotifyCode.invalInode.rawValue == FUSE_NOTIFY_INVAL_INODE.rawValue)
        #expect(FuseNotifyCode.invalEntry.rawValue == FUSE_NOTIFY_INVAL_ENTRY.rawValue)
        #expect(FuseNotifyCode.store.rawValue == FUSE_NOTIFY_STORE.rawValue)
        #expect(FuseNotifyCode.retrieve.rawValue == FUSE_NOTIFY_RETRIEVE.rawValue)
        #expect(FuseNotifyCode.delete.rawValue == FUSE_NOTIFY_DELETE.rawValue)
    }
}
