import CShims
import Testing
import Wire

@testable import FUSE

/// Every struct's `size` against the kernel header's `sizeof`.
@Suite struct FuseSizeTests {
    static let cases: [(swift: Int, kernel: Int, name: String)] = [
        (FuseAttr.size, MemoryLayout<fuse_attr>.size, "fuse_attr"),
        (FuseEntryOut.size, MemoryLayout<fuse_entry_out>.size, "fuse_entry_out"),
        (FuseAttrOut.size, MemoryLayout<fuse_attr_out>.size, "fuse_attr_out"),
        (FuseGetattrIn.size, MemoryLayout<fuse_getattr_in>.size, "fuse_getattr_in"),
        (FuseSetattrIn.size, MemoryLayout<fuse_setattr_in>.size, "fuse_setattr_in"),
        (FuseKstatfs.size, MemoryLayout<fuse_kstatfs>.size, "fuse_kstatfs"),
        (FuseStatfsOut.size, MemoryLayout<fuse_statfs_out>.size, "fuse_statfs_out"),
        (FuseForgetIn.size, MemoryLayout<fuse_forget_in>.size, "fuse_forget_in"),
        (FuseForgetOne.size, MemoryLayout<fuse_forget_one>.size, "fuse_forget_one"),
        (FuseBatchForgetIn.size, MemoryLayout<fuse_batch_forget_in>.size, "fuse_batch_forget_in"),
        (FuseMknodIn.size, MemoryLayout<fuse_mknod_in>.size, "fuse_mknod_in"),
        (FuseMkdirIn.size, MemoryLayout<fuse_mkdir_in>.size, "fuse_mkdir_in"),
        (FuseRenameIn.size, MemoryLayout<fuse_rename_in>.size, "fuse_rename_in"),
        (FuseRename2In.size, MemoryLayout<fuse_rename2_in>.size, "fuse_rename2_in"),
        (FuseLinkIn.size, MemoryLayout<fuse_link_in>.size, "fuse_link_in"),
        (FuseAccessIn.size, MemoryLayout<fuse_access_in>.size, "fuse_access_in"),
        (FuseInterruptIn.size, MemoryLayout<fuse_interrupt_in>.size, "fuse_interrupt_in"),
        (FuseSyncfsIn.size, MemoryLayout<fuse_syncfs_in>.size, "fuse_syncfs_in"),
        (FuseOpenIn.size, MemoryLayout<fuse_open_in>.size, "fuse_open_in"),
        (FuseCreateIn.size, MemoryLayout<fuse_create_in>.size, "fuse_create_in"),
        (FuseOpenOut.size, MemoryLayout<fuse_open_out>.size, "fuse_open_out"),
        (FuseReleaseIn.size, MemoryLayout<fuse_release_in>.size, "fuse_release_in"),
        (FuseFlushIn.size, MemoryLayout<fuse_flush_in>.size, "fuse_flush_in"),
        (FuseReadIn.size, MemoryLayout<fuse_read_in>.size, "fuse_read_in"),
        (FuseWriteIn.size, MemoryLayout<fuse_write_in>.size, "fuse_write_in"),
        (FuseWriteOut.size, MemoryLayout<fuse_write_out>.size, "fuse_write_out"),
        (FuseFsyncIn.size, MemoryLayout<fuse_fsync_in>.size, "fuse_fsync_in"),
        (FuseFallocateIn.size, MemoryLayout<fuse_fallocate_in>.size, "fuse_fallocate_in"),
        (FuseLseekIn.size, MemoryLayout<fuse_lseek_in>.size, "fuse_lseek_in"),
        (FuseLseekOut.size, MemoryLayout<fuse_lseek_out>.size, "fuse_lseek_out"),
        (FuseCopyFileRangeIn.size, MemoryLayout<fuse_copy_file_range_in>.size, "fuse_copy_file_range_in"),
        (FuseFileLock.size, MemoryLayout<fuse_file_lock>.size, "fuse_file_lock"),
        (FuseLkIn.size, MemoryLayout<fuse_lk_in>.size, "fuse_lk_in"),
        (FuseLkOut.size, MemoryLayout<fuse_lk_out>.size, "fuse_lk_out"),
        (FuseGetxattrIn.size, MemoryLayout<fuse_getxattr_in>.size, "fuse_getxattr_in"),
        (FuseGetxattrOut.size, MemoryLayout<fuse_getxattr_out>.size, "fuse_getxattr_out"),
        (FuseSetupmappingIn.size, MemoryLayout<fuse_setupmapping_in>.size, "fuse_setupmapping_in"),
        (FuseRemovemappingIn.size, MemoryLayout<fuse_removemapping_in>.size, "fuse_removemapping_in"),
        (FuseRemovemappingOne.size, MemoryLayout<fuse_removemapping_one>.size, "fuse_removemapping_one"),
        (FuseInHeader.size, MemoryLayout<fuse_in_header>.size, "fuse_in_header"),
        (FuseOutHeader.size, MemoryLayout<fuse_out_header>.size, "fuse_out_header"),
        (FuseDirent.size, MemoryLayout<fuse_dirent>.size, "fuse_dirent"),
        (FuseInitIn.size, MemoryLayout<fuse_init_in>.size, "fuse_init_in"),
        (FuseInitOut.size, MemoryLayout<fuse_init_out>.size, "fuse_init_out"),
        (FuseSetxattrIn.size, MemoryLayout<fuse_setxattr_in>.size, "fuse_setxattr_in"),
    ]

    @Test(arguments: cases.indices) func sizeMatchesKernel(_ i: Int) {
        let c = Self.cases[i]
        #expect(c.swift == c.kernel, "\(c.name)")
    }

    @Test func compatSizesMatchKernelMacros() {
        #expect(FuseProtocol.compatEntryOutSize == Int(FUSE_COMPAT_ENTRY_OUT_SIZE))
        #expect(FuseProtocol.compatAttrOutSize == Int(FUSE_COMPAT_ATTR_OUT_SIZE))
        #expect(FuseProtocol.compatStatfsSize == Int(FUSE_COMPAT_STATFS_SIZE))
        #expect(FuseProtocol.compatMknodInSize == Int(FUSE_COMPAT_MKNOD_IN_SIZE))
        #expect(FuseProtocol.compatWriteInSize == Int(FUSE_COMPAT_WRITE_IN_SIZE))
        #expect(FuseProtocol.compatSetxattrInSize == Int(FUSE_COMPAT_SETXATTR_IN_SIZE))
        #expect(FuseProtocol.compatInitOutSize == Int(FUSE_COMPAT_INIT_OUT_SIZE))
        #expect(FuseProtocol.compat22InitOutSize == Int(FUSE_COMPAT_22_INIT_OUT_SIZE))
        #expect(FuseProtocol.kernelVersion == UInt32(FUSE_KERNEL_VERSION))
        #expect(FuseProtocol.kernelMinorVersion == UInt32(FUSE_KERNEL_MINOR_VERSION))
        #expect(FuseProtocol.rootID == UInt64(FUSE_ROOT_ID))
        #expect(FuseProtocol.minReadBuffer == Int(FUSE_MIN_READ_BUFFER))
    }
}
