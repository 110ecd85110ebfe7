import CShims
import Testing
import Wire

@testable import FUSE

/// Decodes the same random bytes through the kernel's C struct and through our codec and
/// compares every named field: catches wrong order, width or offset, not just total size.
@Suite struct FuseLayoutTests {
    @Test func attrMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_attr>.size)
        let k = cStruct(fuse_attr.self, raw)
        let s = try FuseAttr(bytes: raw)
        #expect(s.ino == k.ino)
        #expect(s.size == k.size)
        #expect(s.blocks == k.blocks)
        #expect(s.atime == k.atime)
        #expect(s.mtime == k.mtime)
        #expect(s.ctime == k.ctime)
        #expect(s.atimensec == k.atimensec)
        #expect(s.mtimensec == k.mtimensec)
        #expect(s.ctimensec == k.ctimensec)
        #expect(s.mode == k.mode)
        #expect(s.nlink == k.nlink)
        #expect(s.uid == k.uid)
        #expect(s.gid == k.gid)
        #expect(s.rdev == k.rdev)
        #expect(s.blksize == k.blksize)
        #expect(s.flags == k.flags)
    }

    @Test func entryOutMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_entry_out>.size)
        let k = cStruct(fuse_entry_out.self, raw)
        let s = try FuseEntryOut(bytes: raw)
        #expect(s.nodeid == k.nodeid)
        #expect(s.generation == k.generation)
        #expect(s.entryValid == k.entry_valid)
        #expect(s.attrValid == k.attr_valid)
        #expect(s.entryValidNsec == k.entry_valid_nsec)
        #expect(s.attrValidNsec == k.attr_valid_nsec)
        #expect(s.attr.ino == k.attr.ino)
        #expect(s.attr.size == k.attr.size)
        #expect(s.attr.blocks == k.attr.blocks)
        #expect(s.attr.atime == k.attr.atime)
        #expect(s.attr.mtime == k.attr.mtime)
        #expect(s.attr.ctime == k.attr.ctime)
        #expect(s.attr.atimensec == k.attr.atimensec)
        #expect(s.attr.mtimensec == k.attr.mtimensec)
        #expect(s.attr.ctimensec == k.attr.ctimensec)
        #expect(s.attr.mode == k.attr.mode)
        #expect(s.attr.nlink == k.attr.nlink)
        #expect(s.attr.uid == k.attr.uid)
        #expect(s.attr.gid == k.attr.gid)
        #expect(s.attr.rdev == k.attr.rdev)
        #expect(s.attr.blksize == k.attr.blksize)
        #expect(s.attr.flags == k.attr.flags)
    }

    @Test func attrOutMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_attr_out>.size)
        let k = cStruct(fuse_attr_out.self, raw)
        let s = try FuseAttrOut(bytes: raw)
        #expect(s.attrValid == k.attr_valid)
        #expect(s.attrValidNsec == k.attr_valid_nsec)
        #expect(s.attr.ino == k.attr.ino)
        #expect(s.attr.size == k.attr.size)
        #expect(s.attr.blocks == k.attr.blocks)
        #expect(s.attr.atime == k.attr.atime)
        #expect(s.attr.mtime == k.attr.mtime)
        #expect(s.attr.ctime == k.attr.ctime)
        #expect(s.attr.atimensec == k.attr.atimensec)
        #expect(s.attr.mtimensec == k.attr.mtimensec)
        #expect(s.attr.ctimensec == k.attr.ctimensec)
        #expect(s.attr.mode == k.attr.mode)
        #expect(s.attr.nlink == k.attr.nlink)
        #expect(s.attr.uid == k.attr.uid)
        #expect(s.attr.gid == k.attr.gid)
        #expect(s.attr.rdev == k.attr.rdev)
        #expect(s.attr.blksize == k.attr.blksize)
        #expect(s.attr.flags == k.attr.flags)
    }

    @Test func getattrInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_getattr_in>.size)
        let k = cStruct(fuse_getattr_in.self, raw)
        let s = try FuseGetattrIn(bytes: raw)
        #expect(s.getattrFlags == k.getattr_flags)
        #expect(s.fh == k.fh)
    }

    @Test func setattrInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_setattr_in>.size)
        let k = cStruct(fuse_setattr_in.self, raw)
        let s = try FuseSetattrIn(bytes: raw)
        #expect(s.valid == k.valid)
        #expect(s.fh == k.fh)
        #expect(s.size == k.size)
        #expect(s.lockOwner == k.lock_owner)
        #expect(s.atime == k.atime)
        #expect(s.mtime == k.mtime)
        #expect(s.ctime == k.ctime)
        #expect(s.atimensec == k.atimensec)
        #expect(s.mtimensec == k.mtimensec)
        #expect(s.ctimensec == k.ctimensec)
        #expect(s.mode == k.mode)
        #expect(s.uid == k.uid)
        #expect(s.gid == k.gid)
    }

    @Test func kstatfsMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_kstatfs>.size)
        let k = cStruct(fuse_kstatfs.self, raw)
        let s = try FuseKstatfs(bytes: raw)
        #expect(s.blocks == k.blocks)
        #expect(s.bfree == k.bfree)
        #expect(s.bavail == k.bavail)
        #expect(s.files == k.files)
        #expect(s.ffree == k.ffree)
        #expect(s.bsize == k.bsize)
        #expect(s.namelen == k.namelen)
        #expect(s.frsize == k.frsize)
    }

    @Test func statfsOutMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_statfs_out>.size)
        let k = cStruct(fuse_statfs_out.self, raw)
        let s = try FuseStatfsOut(bytes: raw)
        #expect(s.st.blocks == k.st.blocks)
        #expect(s.st.bfree == k.st.bfree)
        #expect(s.st.bavail == k.st.bavail)
        #expect(s.st.files == k.st.files)
        #expect(s.st.ffree == k.st.ffree)
        #expect(s.st.bsize == k.st.bsize)
        #expect(s.st.namelen == k.st.namelen)
        #expect(s.st.frsize == k.st.frsize)
    }

    @Test func forgetInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_forget_in>.size)
        let k = cStruct(fuse_forget_in.self, raw)
        let s = try FuseForgetIn(bytes: raw)
        #expect(s.nlookup == k.nlookup)
    }

    @Test func forgetOneMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_forget_one>.size)
        let k = cStruct(fuse_forget_one.self, raw)
        let s = try FuseForgetOne(bytes: raw)
        #expect(s.nodeid == k.nodeid)
        #expect(s.nlookup == k.nlookup)
    }

    @Test func batchForgetInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_batch_forget_in>.size)
        let k = cStruct(fuse_batch_forget_in.self, raw)
        let s = try FuseBatchForgetIn(bytes: raw)
        #expect(s.count == k.count)
    }

    @Test func mknodInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_mknod_in>.size)
        let k = cStruct(fuse_mknod_in.self, raw)
        let s = try FuseMknodIn(bytes: raw)
        #expect(s.mode == k.mode)
        #expect(s.rdev == k.rdev)
        #expect(s.umask == k.umask)
    }

    @Test func mkdirInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_mkdir_in>.size)
        let k = cStruct(fuse_mkdir_in.self, raw)
        let s = try FuseMkdirIn(bytes: raw)
        #expect(s.mode == k.mode)
        #expect(s.umask == k.umask)
    }

    @Test func renameInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_rename_in>.size)
        let k = cStruct(fuse_rename_in.self, raw)
        let s = try FuseRenameIn(bytes: raw)
        #expect(s.newdir == k.newdir)
    }

    @Test func rename2InMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_rename2_in>.size)
        let k = cStruct(fuse_rename2_in.self, raw)
        let s = try FuseRename2In(bytes: raw)
        #expect(s.newdir == k.newdir)
        #expect(s.flags == k.flags)
    }

    @Test func linkInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_link_in>.size)
        let k = cStruct(fuse_link_in.self, raw)
        let s = try FuseLinkIn(bytes: raw)
        #expect(s.oldnodeid == k.oldnodeid)
    }

    @Test func accessInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_access_in>.size)
        let k = cStruct(fuse_access_in.self, raw)
        let s = try FuseAccessIn(bytes: raw)
        #expect(s.mask == k.mask)
    }

    @Test func interruptInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_interrupt_in>.size)
        let k = cStruct(fuse_interrupt_in.self, raw)
        let s = try FuseInterruptIn(bytes: raw)
        #expect(s.unique == k.unique)
    }

    @Test func syncfsInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_syncfs_in>.size)
        let k = cStruct(fuse_syncfs_in.self, raw)
        let s = try FuseSyncfsIn(bytes: raw)
        #expect(MemoryLayout.size(ofValue: k) == FuseSyncfsIn.size && s.bytes == [UInt8](repeating: 0, count: 8))
    }

    @Test func openInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_open_in>.size)
        let k = cStruct(fuse_open_in.self, raw)
        let s = try FuseOpenIn(bytes: raw)
        #expect(s.flags == k.flags)
        #expect(s.openFlags == k.open_flags)
    }

    @Test func createInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_create_in>.size)
        let k = cStruct(fuse_create_in.self, raw)
        let s = try FuseCreateIn(bytes: raw)
        #expect(s.flags == k.flags)
        #expect(s.mode == k.mode)
        #expect(s.umask == k.umask)
        #expect(s.openFlags == k.open_flags)
    }

    @Test func openOutMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_open_out>.size)
        let k = cStruct(fuse_open_out.self, raw)
        let s = try FuseOpenOut(bytes: raw)
        #expect(s.fh == k.fh)
        #expect(s.openFlags == k.open_flags)
    }

    @Test func releaseInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_release_in>.size)
        let k = cStruct(fuse_release_in.self, raw)
        let s = try FuseReleaseIn(bytes: raw)
        #expect(s.fh == k.fh)
        #expect(s.flags == k.flags)
        #expect(s.releaseFlags == k.release_flags)
        #expect(s.lockOwner == k.lock_owner)
    }

    @Test func flushInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_flush_in>.size)
        let k = cStruct(fuse_flush_in.self, raw)
        let s = try FuseFlushIn(bytes: raw)
        #expect(s.fh == k.fh)
        #expect(s.lockOwner == k.lock_owner)
    }

    @Test func readInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_read_in>.size)
        let k = cStruct(fuse_read_in.self, raw)
        let s = try FuseReadIn(bytes: raw)
        #expect(s.fh == k.fh)
        #expect(s.offset == k.offset)
        #expect(s.size == k.size)
        #expect(s.readFlags == k.read_flags)
        #expect(s.lockOwner == k.lock_owner)
        #expect(s.flags == k.flags)
    }

    @Test func writeInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_write_in>.size)
        let k = cStruct(fuse_write_in.self, raw)
        let s = try FuseWriteIn(bytes: raw)
        #expect(s.fh == k.fh)
        #expect(s.offset == k.offset)
        #expect(s.size == k.size)
        #expect(s.writeFlags == k.write_flags)
        #expect(s.lockOwner == k.lock_owner)
        #expect(s.flags == k.flags)
    }

    @Test func writeOutMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_write_out>.size)
        let k = cStruct(fuse_write_out.self, raw)
        let s = try FuseWriteOut(bytes: raw)
        #expect(s.size == k.size)
    }

    @Test func fsyncInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_fsync_in>.size)
        let k = cStruct(fuse_fsync_in.self, raw)
        let s = try FuseFsyncIn(bytes: raw)
        #expect(s.fh == k.fh)
        #expect(s.fsyncFlags == k.fsync_flags)
    }

    @Test func fallocateInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_fallocate_in>.size)
        let k = cStruct(fuse_fallocate_in.self, raw)
        let s = try FuseFallocateIn(bytes: raw)
        #expect(s.fh == k.fh)
        #expect(s.offset == k.offset)
        #expect(s.length == k.length)
        #expect(s.mode == k.mode)
    }

    @Test func lseekInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_lseek_in>.size)
        let k = cStruct(fuse_lseek_in.self, raw)
        let s = try FuseLseekIn(bytes: raw)
        #expect(s.fh == k.fh)
        #expect(s.offset == k.offset)
        #expect(s.whence == k.whence)
    }

    @Test func lseekOutMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_lseek_out>.size)
        let k = cStruct(fuse_lseek_out.self, raw)
        let s = try FuseLseekOut(bytes: raw)
        #expect(s.offset == k.offset)
    }

    @Test func copyFileRangeInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_copy_file_range_in>.size)
        let k = cStruct(fuse_copy_file_range_in.self, raw)
        let s = try FuseCopyFileRangeIn(bytes: raw)
        #expect(s.fhIn == k.fh_in)
        #expect(s.offIn == k.off_in)
        #expect(s.nodeidOut == k.nodeid_out)
        #expect(s.fhOut == k.fh_out)
        #expect(s.offOut == k.off_out)
        #expect(s.len == k.len)
        #expect(s.flags == k.flags)
    }

    @Test func fileLockMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_file_lock>.size)
        let k = cStruct(fuse_file_lock.self, raw)
        let s = try FuseFileLock(bytes: raw)
        #expect(s.start == k.start)
        #expect(s.end == k.end)
        #expect(s.type == k.type)
        #expect(s.pid == k.pid)
    }

    @Test func lkInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_lk_in>.size)
        let k = cStruct(fuse_lk_in.self, raw)
        let s = try FuseLkIn(bytes: raw)
        #expect(s.fh == k.fh)
        #expect(s.owner == k.owner)
        #expect(s.lk.start == k.lk.start)
        #expect(s.lk.end == k.lk.end)
        #expect(s.lk.type == k.lk.type)
        #expect(s.lk.pid == k.lk.pid)
        #expect(s.lkFlags == k.lk_flags)
    }

    @Test func lkOutMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_lk_out>.size)
        let k = cStruct(fuse_lk_out.self, raw)
        let s = try FuseLkOut(bytes: raw)
        #expect(s.lk.start == k.lk.start)
        #expect(s.lk.end == k.lk.end)
        #expect(s.lk.type == k.lk.type)
        #expect(s.lk.pid == k.lk.pid)
    }

    @Test func getxattrInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_getxattr_in>.size)
        let k = cStruct(fuse_getxattr_in.self, raw)
        let s = try FuseGetxattrIn(bytes: raw)
        #expect(s.size == k.size)
    }

    @Test func getxattrOutMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_getxattr_out>.size)
        let k = cStruct(fuse_getxattr_out.self, raw)
        let s = try FuseGetxattrOut(bytes: raw)
        #expect(s.size == k.size)
    }

    @Test func setupmappingInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_setupmapping_in>.size)
        let k = cStruct(fuse_setupmapping_in.self, raw)
        let s = try FuseSetupmappingIn(bytes: raw)
        #expect(s.fh == k.fh)
        #expect(s.foffset == k.foffset)
        #expect(s.len == k.len)
        #expect(s.flags == k.flags)
        #expect(s.moffset == k.moffset)
    }

    @Test func removemappingInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_removemapping_in>.size)
        let k = cStruct(fuse_removemapping_in.self, raw)
        let s = try FuseRemovemappingIn(bytes: raw)
        #expect(s.count == k.count)
    }

    @Test func removemappingOneMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_removemapping_one>.size)
        let k = cStruct(fuse_removemapping_one.self, raw)
        let s = try FuseRemovemappingOne(bytes: raw)
        #expect(s.moffset == k.moffset)
        #expect(s.len == k.len)
    }

    @Test func inHeaderMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_in_header>.size)
        let k = cStruct(fuse_in_header.self, raw)
        let s = try FuseInHeader(bytes: raw)
        #expect(s.len == k.len)
        #expect(s.opcode == k.opcode)
        #expect(s.unique == k.unique)
        #expect(s.nodeid == k.nodeid)
        #expect(s.uid == k.uid)
        #expect(s.gid == k.gid)
        #expect(s.pid == k.pid)
        #expect(s.totalExtlen == k.total_extlen)
    }

    @Test func outHeaderMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_out_header>.size)
        let k = cStruct(fuse_out_header.self, raw)
        let s = try FuseOutHeader(bytes: raw)
        #expect(s.len == k.len)
        #expect(s.error == k.error)
        #expect(s.unique == k.unique)
    }

    @Test func direntMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_dirent>.size)
        let k = cStruct(fuse_dirent.self, raw)
        let s = try FuseDirent(bytes: raw)
        #expect(s.ino == k.ino)
        #expect(s.off == k.off)
        #expect(s.namelen == k.namelen)
        #expect(s.type == k.type)
    }

    @Test func initInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_init_in>.size)
        let k = cStruct(fuse_init_in.self, raw)
        let s = try FuseInitIn(bytes: raw)
        #expect(s.major == k.major)
        #expect(s.minor == k.minor)
        #expect(s.maxReadahead == k.max_readahead)
        #expect(s.flags == k.flags)
        #expect(s.flags2 == k.flags2)
    }

    @Test func initOutMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_init_out>.size)
        let k = cStruct(fuse_init_out.self, raw)
        let s = try FuseInitOut(bytes: raw)
        #expect(s.major == k.major)
        #expect(s.minor == k.minor)
        #expect(s.maxReadahead == k.max_readahead)
        #expect(s.flags == k.flags)
        #expect(s.maxBackground == k.max_background)
        #expect(s.congestionThreshold == k.congestion_threshold)
        #expect(s.maxWrite == k.max_write)
        #expect(s.timeGran == k.time_gran)
        #expect(s.maxPages == k.max_pages)
        #expect(s.mapAlignment == k.map_alignment)
        #expect(s.flags2 == k.flags2)
    }

    @Test func setxattrInMatchesKernelLayout() throws {
        let raw = randomBytes(MemoryLayout<fuse_setxattr_in>.size)
        let k = cStruct(fuse_setxattr_in.self, raw)
        let s = try FuseSetxattrIn(bytes: raw)
        #expect(s.size == k.size)
        #expect(s.flags == k.flags)
        #expect(s.setxattrFlags == k.setxattr_flags)
    }

    @Test func setxattrCompatLayoutIsThePrefix() throws {
        let raw = randomBytes(MemoryLayout<fuse_setxattr_in>.size)
        let k = cStruct(fuse_setxattr_in.self, raw)
        var c = ByteCursor(Array(raw.prefix(FuseProtocol.compatSetxattrInSize)))
        let s = try FuseSetxattrIn(from: &c, extended: false)
        #expect(s.size == k.size && s.flags == k.flags && s.setxattrFlags == 0)
        #expect(c.remaining == 0)
    }

    @Test func direntPlusNameOffset() {
        #expect(FuseDirent.nameOffset == MemoryLayout<fuse_dirent>.size)
        #expect(FuseDirentPlus.nameOffset == MemoryLayout<fuse_direntplus>.size)
    }
}

/// Fresh random bytes, so a codec that ignores a field cannot pass by luck of zeros.
func randomBytes(_ n: Int) -> [UInt8] {
    var g = SystemRandomNumberGenerator()
    return (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
}

/// The kernel's view of `raw` (test-only: reading bytes as a C struct is what we compare against).
func cStruct<T>(_: T.Type, _ raw: [UInt8]) -> T {
    raw.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
}
