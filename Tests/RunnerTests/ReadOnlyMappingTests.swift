import Glibc
import Matrix
@testable import Runner
import Testing

struct ReadOnlyMappingTests {
    /// seed-2019's 9p cache=none cell: fio's mmap writes get EINVAL from the kernel by design, an
    /// unsupported workload, not a broken share; anything else with EINVAL still fails.
    @Test func onlyNinePCacheNoneMmapWritesAreUnsupported() {
        let ninep = Cell(backend: .ninep, cache: "none")
        let write = FioJob(pattern: .seqwrite, engine: .mmap)
        #expect(GuestWorkloads.readOnlyMapping(write, cell: ninep, errno: Int(EINVAL))?.contains("generic_file_readonly_mmap") == true)
        #expect(GuestWorkloads.readOnlyMapping(FioJob(pattern: .randrw, engine: .mmap), cell: ninep, errno: Int(EINVAL)) != nil)
        #expect(GuestWorkloads.readOnlyMapping(FioJob(pattern: .randread, engine: .mmap), cell: ninep, errno: Int(EINVAL)) == nil)
        #expect(GuestWorkloads.readOnlyMapping(FioJob(pattern: .seqwrite, engine: .psync), cell: ninep, errno: Int(EINVAL)) == nil)
        #expect(GuestWorkloads.readOnlyMapping(write, cell: Cell(backend: .ninep, cache: "mmap"), errno: Int(EINVAL)) == nil)
        #expect(GuestWorkloads.readOnlyMapping(write, cell: Cell(backend: .straitd, cache: "none"), errno: Int(EINVAL)) == nil)
        #expect(GuestWorkloads.readOnlyMapping(write, cell: ninep, errno: Int(EIO)) == nil)
    }
}
