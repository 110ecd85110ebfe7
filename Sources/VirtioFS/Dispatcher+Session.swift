import FUSE
import Glibc
import Passthrough

/// INIT, DESTROY and the DAX window.
extension FuseDispatcher {
    func initialize(_ h: FuseInHeader, _ args: ByteCursor) throws(FSError) -> Reply {
        var a = args
        let request = try a.decode(FuseInitIn.self)
        switch FuseInit.negotiate(request, config: initConfig) {
        case .accepted(let out, let bytes, let s):
            session.withLock { $0 = s }
            logger.info("FUSE session established", metadata: [
                "version": "\(s.major).\(s.minor)", "guest": "\(request.major).\(request.minor)",
                "flags": "0x\(String(s.flags.rawValue, radix: 16))", "max_write": "\(out.maxWrite)",
            ])
            return .ok(bytes)
        case .retry(let bytes):
            return .ok(bytes)
        case .refused(let e):
            throw FSError(errno: e, message: "guest FUSE \(request.major).\(request.minor)")
        }
    }

    /// The guest unmounted: end the session and any lock still waiting.
    func destroy() -> Reply {
        session.withLock { $0 = nil }
        cancelWaiters { _ in true }
        return .ok([])
    }

    /// The negotiated session, if INIT has happened (for the transport and tests).
    public var currentSession: FuseSession? { session.withLock { $0 } }

    func setupMapping(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        guard let dax = daxMappings else { throw FSError(errno: ENOSYS, message: "no DAX window") }
        let x = try a.decode(FuseSetupmappingIn.self)
        if let size = dax.windowSize { try Self.checkWindow(offset: x.moffset, length: x.len, size: size) }
        // The file range must be one the host can map: no offset past off_t, no wrap-around, and
        // page aligned like the window (the VMM would otherwise be handed a range it cannot mmap).
        let page = UInt64(1) << UInt64(initConfig.daxMapAlignment ?? 12)
        guard x.foffset % page == 0, x.moffset % page == 0, x.len > 0, x.len % page == 0,
              x.foffset <= UInt64(Int64.max), x.len <= UInt64(Int64.max) - x.foffset else {
            throw FSError(errno: EINVAL, message: "DAX mapping of file \(x.foffset)+\(x.len) at \(x.moffset)")
        }
        // fh is ~0 from Linux (fuse_setup_one_mapping): the node id names the file.
        let writable = x.flags & FuseFlag.setupmappingWrite != 0
        let fd = try fs.daxDescriptor(node: r.node, handle: x.fh == UInt64.max ? nil : x.fh, writable: writable)
        try dax.setup(fd: fd, fileOffset: x.foffset, windowOffset: x.moffset, length: x.len, writable: writable)
        return .ok([])
    }

    func removeMapping(_ r: Request, _ a: inout ByteCursor) throws(FSError) -> Reply {
        guard let dax = daxMappings else { throw FSError(errno: ENOSYS, message: "no DAX window") }
        let x = try a.decode(FuseRemovemappingIn.self)
        guard Int(x.count) <= a.remaining / FuseRemovemappingOne.size else {
            throw FSError(errno: EINVAL, message: "removemapping count \(x.count)")
        }
        for _ in 0..<x.count {
            let one = try a.decode(FuseRemovemappingOne.self)
            // ~0 length means "to the end of the window".
            var length = one.len
            if let size = dax.windowSize {
                if one.len == UInt64.max && one.moffset <= size { length = size - one.moffset }
                try Self.checkWindow(offset: one.moffset, length: length, size: size)
            }
            try dax.remove(windowOffset: one.moffset, length: length)
        }
        return .ok([])
    }

    static func checkWindow(offset: UInt64, length: UInt64, size: UInt64) throws(FSError) {
        guard length > 0, offset <= size, length <= size - offset else {
            throw FSError(errno: EINVAL, message: "DAX range \(offset)+\(length) outside window of \(size)")
        }
    }
}
