import FUSE
import Glibc
import Logging
import Passthrough
import Synchronization

/// Maps each FUSE request of a virtqueue to `PassthroughFS` and writes the reply into the
/// guest's writable buffers. Thread-safe: the transport calls `handle` from any worker.
public final class FuseDispatcher: Sendable {
    let fs: PassthroughFS
    let config: PassthroughConfig
    /// The DAX window's mappings, when the transport offers a window.
    public let daxMappings: DaxMappings?
    let logger: Logger
    let initConfig: FuseInitConfig
    /// Set by INIT, cleared by DESTROY; requests before INIT get EIO as libfuse does.
    let session = Mutex<FuseSession?>(nil)
    /// SETLKW requests waiting for their lock, by `unique`, so INTERRUPT and DESTROY can end them.
    let waiters = Mutex<[UInt64: LockWaiter]>([:])
    /// The thread that retries them.
    let retries = RetryTimer(name: "straitd-locks")

    /// Requests other than WRITE carry at most names, a symlink target or an xattr value.
    static let maxArgumentBytes = 1 << 20 + 8192

    public init(fs: PassthroughFS, config: PassthroughConfig, dax: DaxWindow?, logger: Logger,
                posixLocks: Bool = true, flockLocks: Bool = true) {
        self.fs = fs
        self.config = config
        let page = UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 4096))
        daxMappings = dax.map { DaxMappings(window: $0, pageSize: page, logger: logger) }
        self.logger = logger
        var c = FuseInitConfig()
        c.writeback = config.writeback
        c.readdirplus = config.readdirplus
        c.posixACL = config.posixACL
        c.killprivV2 = config.killprivV2
        c.announceSubmounts = config.announceSubmounts
        c.posixLocks = posixLocks
        c.flockLocks = flockLocks
        if dax != nil {
            // log2 of the host page size: mappings are aligned to it.
            c.daxMapAlignment = UInt16(UInt64.bitWidth - 1 - page.leadingZeroBitCount)
        }
        initConfig = c
    }

    deinit {
        cancelWaiters { _ in true }
        retries.stop()
    }

    /// Handles one request. Calls `complete(bytesWritten)` exactly once, possibly later on
    /// another thread (a waiting SETLKW); 0 bytes for requests without a reply.
    public func handle(_ buffers: RequestBuffers, complete: @escaping @Sendable (UInt32) -> Void) {
        if let written = handleNow(buffers, later: { complete }) { complete(written) }
    }

    /// Handles one request on the calling thread; nil when the reply comes later through the
    /// completion `later` returned (a waiting SETLKW).
    public func handleNow(_ buffers: RequestBuffers, later: () -> @Sendable (UInt32) -> Void) -> UInt32? {
        // One copy of header + arguments (header only, if the length is unusable: dispatch
        // then refuses it). WRITE's payload stays in guest memory.
        let readable = buffers.readableCount
        let current = session.withLock { $0 }
        var want = FuseInHeader.size
        if readable >= FuseInHeader.size, let len = buffers.loadU32(at: 0), let op = buffers.loadU32(at: 4) {
            let total = Int(len)
            if total >= FuseInHeader.size, total <= readable {
                want = total
                if op == FuseOpcode.write.rawValue, let s = current {
                    want = min(total, FuseInHeader.size + s.writeInSize)
                } else if total - FuseInHeader.size > Self.maxArgumentBytes {
                    want = FuseInHeader.size
                }
            }
        }
        guard let bytes = buffers.gather(from: 0, count: want) else {
            logger.warning("request shorter than a FUSE in header", metadata: ["bytes": "\(readable)"])
            return Self.finish(buffers, unique: 0, .error(EIO))
        }
        var args = ByteCursor(bytes)
        guard let header = try? FuseInHeader(from: &args) else {
            return Self.finish(buffers, unique: 0, .error(EIO))
        }
        let opcode = FuseOpcode(rawValue: header.opcode)
        let reply: Reply
        do throws(FSError) {
            reply = try dispatch(header, opcode, buffers, current, &args, later)
        } catch {
            if error.errno != ENOENT {
                logger.debug("request failed", metadata: [
                    "opcode": "\(opcode.map { "\($0)" } ?? "\(header.opcode)")",
                    "unique": "\(header.unique)", "errno": "\(error.errno)", "error": "\(error.message)",
                ])
            }
            // FORGET, BATCH_FORGET and INTERRUPT never get a reply, not even an error.
            reply = opcode?.hasNoReply == true ? .none : .error(error.errno)
        }
        if case .later = reply { return nil }
        return Self.finish(buffers, unique: header.unique, reply)
    }

    /// Validates the header against the buffers and runs the opcode on the gathered arguments.
    private func dispatch(_ h: FuseInHeader, _ opcode: FuseOpcode?, _ b: RequestBuffers, _ current: FuseSession?,
                          _ args: inout ByteCursor, _ later: () -> @Sendable (UInt32) -> Void) throws(FSError) -> Reply
    {
        let total = Int(h.len)
        guard total >= FuseInHeader.size, total <= b.readableCount else {
            throw FSError(errno: EINVAL, message: "in header len \(h.len), readable \(b.readableCount)")
        }
        guard let opcode else { throw FSError(errno: ENOSYS, message: "opcode \(h.opcode)") }
        if opcode == .`init` {
            return try initialize(h, try arguments(args, count: total - FuseInHeader.size))
        }
        guard let s = current else {
            // Before INIT only no-reply requests are tolerated; everything else is refused.
            if opcode.hasNoReply { return .none }
            throw FSError(errno: EIO, message: "\(opcode) before INIT")
        }
        // WRITE's payload stays in guest memory: only header + write_in are copied.
        let argCount = opcode == .write ? min(total, FuseInHeader.size + s.writeInSize) : total
        guard argCount - FuseInHeader.size <= Self.maxArgumentBytes || opcode == .write else {
            throw FSError(errno: EINVAL, message: "\(opcode) arguments of \(argCount) bytes")
        }
        args = try arguments(args, count: argCount - FuseInHeader.size)
        if config.readonly && Self.modifies(opcode, args) {
            throw FSError(errno: EROFS, message: "\(opcode) on a read-only share")
        }
        let req = Request(header: h, session: s, buffers: b, total: total)
        if let dax = daxMappings, Self.changesSize(opcode) {
            // A size change must not interleave with a DAX map that rounds the file's size.
            return try dax.serializing { () throws(FSError) -> Reply in try run(opcode, req, &args, later) }
        }
        return try run(opcode, req, &args, later)
    }

    /// The cursor, checked to hold exactly the `count` argument bytes the header announced.
    private func arguments(_ args: ByteCursor, count: Int) throws(FSError) -> ByteCursor {
        guard args.remaining == count else {
            throw FSError(errno: EINVAL, message: "arguments shorter than in header len")
        }
        return args
    }

    static func changesSize(_ op: FuseOpcode) -> Bool {
        switch op {
        case .write, .setattr, .fallocate, .copyFileRange, .open, .create: true
        default: false
        }
    }

    /// Forget the DAX maps: the frontend dropped them with the device.
    public func transportReset() { daxMappings?.reset() }

    private func run(_ op: FuseOpcode, _ r: Request, _ a: inout ByteCursor,
                     _ later: () -> @Sendable (UInt32) -> Void) throws(FSError) -> Reply
    {
        switch op {
        case .lookup: return try lookup(r, &a)
        case .forget: return try forget(r, &a)
        case .batchForget: return try batchForget(r, &a)
        case .getattr: return try getattr(r, &a)
        case .setattr: return try setattr(r, &a)
        case .readlink: return try readlink(r)
        case .symlink: return try symlink(r, &a)
        case .mknod: return try mknod(r, &a)
        case .mkdir: return try mkdir(r, &a)
        case .unlink: return try unlink(r, &a)
        case .rmdir: return try rmdir(r, &a)
        case .rename: return try rename(r, &a, extended: false)
        case .rename2: return try rename(r, &a, extended: true)
        case .link: return try link(r, &a)
        case .open: return try open(r, &a)
        case .read: return try read(r, &a)
        case .write: return try write(r, &a)
        case .statfs: return try statfs(r)
        case .release: return try release(r, &a)
        case .flush: return try flush(r, &a)
        case .fsync: return try fsync(r, &a, directory: false)
        case .fsyncdir: return try fsync(r, &a, directory: true)
        case .setxattr: return try setxattr(r, &a)
        case .getxattr: return try getxattr(r, &a)
        case .listxattr: return try listxattr(r, &a)
        case .removexattr: return try removexattr(r, &a)
        case .opendir: return try opendir(r, &a)
        case .readdir: return try readdir(r, &a, plus: false)
        case .readdirplus: return try readdir(r, &a, plus: true)
        case .releasedir: return try releasedir(r, &a)
        case .getlk: return try getlk(r, &a)
        case .setlk: return try setlk(r, &a, wait: false, later())
        case .setlkw: return try setlk(r, &a, wait: true, later())
        case .access: return try access(r, &a)
        case .create: return try create(r, &a)
        case .tmpfile: return try tmpfile(r, &a)
        case .interrupt: return try interrupt(r, &a)
        case .destroy: return destroy()
        case .fallocate: return try fallocate(r, &a)
        case .lseek: return try lseek(r, &a)
        case .copyFileRange: return try copyFileRange(r, &a)
        case .syncfs: return try syncfs(r)
        case .setupmapping: return try setupMapping(r, &a)
        case .removemapping: return try removeMapping(r, &a)
        case .`init`: throw FSError(errno: EINVAL, message: "INIT handled earlier")
        case .bmap, .ioctl, .poll, .notifyReply, .cuseInit, .cuseInitBswapReserved, .fuseInitBswapReserved:
            throw FSError(errno: ENOSYS, message: "\(op) not implemented")
        }
    }
}

/// One parsed request as the opcode handlers see it.
struct Request {
    let header: FuseInHeader
    let session: FuseSession
    let buffers: RequestBuffers
    /// The in header's `len`, validated against the readable buffers.
    let total: Int

    var node: UInt64 { header.nodeid }
    var cred: Credentials { Credentials(uid: header.uid, gid: header.gid, pid: header.pid) }
}

/// What a handler produced.
enum Reply {
    /// No reply at all (FORGET, BATCH_FORGET, INTERRUPT).
    case none
    /// Success with this body after the out header.
    case ok([UInt8])
    /// Success; `count` body bytes were already placed after the out header (READ).
    case placed(count: Int)
    /// Failure with a positive errno.
    case error(Int32)
    /// The handler calls `complete` itself later (a waiting SETLKW).
    case later
}
