import FUSE

/// What a Linux 6.1 guest's FUSE layer lets reach the daemon, given the daemon's INIT reply.
/// strait-load's data workloads stand for fio with O_DIRECT and libaio from one thread at
/// iodepth `--qd`; the guest turns each I/O into one FUSE request, but only concurrently when
/// the daemon allows it (fs/fuse/file.c, fuse_direct_IO and fuse_simple_background):
///
/// - without FUSE_ASYNC_DIO, `io->async` is false and every aio runs synchronously inside
///   io_submit: one request in flight, whatever the iodepth (issue 11: straitd did not offer
///   it and ran libaio at iodepth 16 like QD1 in the guest);
/// - with it, the requests are background requests, at most `max_background` in flight
///   (the kernel keeps its default of 12 when the daemon answers 0).
///
/// Metadata workloads stand for several guest threads and are left at `--qd`.
struct GuestModel: Equatable {
    var depth: Int
    /// Why the depth differs from the one asked for, if it does.
    var note: String?

    static let defaultMaxBackground = 12

    static func linux(workload: Workload, queueDepth: Int, reply: FuseInitOut) -> GuestModel {
        guard workload.isRead || workload.isWrite else { return GuestModel(depth: queueDepth, note: nil) }
        let agreed = FuseInitFlags(low: reply.flags, high: reply.flags2)
        if !agreed.contains(.asyncDIO) {
            guard queueDepth > 1 else { return GuestModel(depth: 1, note: nil) }
            return GuestModel(depth: 1, note: "FUSE_ASYNC_DIO not agreed: a Linux guest issues each O_DIRECT aio synchronously, so qd\(queueDepth) runs as qd1")
        }
        let background = reply.maxBackground == 0 ? defaultMaxBackground : Int(reply.maxBackground)
        guard queueDepth > background else { return GuestModel(depth: queueDepth, note: nil) }
        return GuestModel(depth: background, note: "max_background \(background): a Linux guest keeps at most \(background) requests in flight")
    }
}
