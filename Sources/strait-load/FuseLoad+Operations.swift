import FUSE
import Glibc
import VhostUser
import VhostUserDriver

extension FuseLoad {
    /// One operation of the workload, as a chain of requests.
    func operation(_ lane: Lane, _ done: @escaping (String?) -> Void) {
        let w = params.workload
        switch w {
        case .getattr:
            request(lane, .getattr, target, FuseGetattrIn().bytes, capacity: FuseAttrOut.size, done: done) { _ in done(nil) }
        case .lookup:
            request(lane, .lookup, root, Array(Dataset.statTarget.utf8) + [0], capacity: FuseEntryOut.size, done: done) { [self] _ in
                lookups.add(1, ordering: .relaxed)
                done(nil)
            }
        case .createUnlink:
            createUnlink(lane, done)
        case .mkdirRmdir:
            mkdirRmdir(lane, done)
        case .readdir:
            request(lane, .readdirplus, dir, FuseReadIn(fh: dirHandle, offset: 0, size: 65536).bytes, capacity: 65536, done: done) { v in
                done(v.body.count > 0 ? nil : "READDIRPLUS returned nothing")
            }
        case .read4k, .randread4k, .read1m:
            let args = FuseReadIn(fh: dataHandle, offset: offset(lane), size: UInt32(w.blockSize), flags: UInt32(O_RDWR)).bytes
            request(lane, .read, data, args, capacity: w.blockSize, done: done) { v in
                done(v.body.count == w.blockSize ? nil : "READ returned \(v.body.count) of \(w.blockSize) bytes")
            }
        case .write4k, .randwrite4k, .write1m:
            guard let buffer = lane.payload else { return done("no write buffer") }
            let args = FuseWriteIn(fh: dataHandle, offset: offset(lane), size: UInt32(w.blockSize), flags: UInt32(O_RDWR)).bytes
            request(lane, .write, data, args, payload: [DriverQueue.Segment(gpa: buffer.gpa, length: UInt32(w.blockSize))],
                    capacity: FuseWriteOut.size, done: done) { _ in done(nil) }
        case .daxRead4k:
            daxRead(lane, done)
        case .metaCreate:
            metaCreate(lane, done)
        case .metaRm:
            metaRm(lane, done)
        }
    }

    private func createUnlink(_ lane: Lane, _ done: @escaping (String?) -> Void) {
        lane.sequence += 1
        let name = Array("cu-\(lane.index)-\(lane.sequence)".utf8) + [0]
        let create = FuseCreateIn(flags: UInt32(O_RDWR | O_CREAT | O_EXCL), mode: S_IFREG | 0o644, umask: 0o022).bytes + name
        request(lane, .create, root, create, capacity: FuseEntryOut.size + FuseOpenOut.size, done: done) { [self] v in
            guard v.body.count >= FuseEntryOut.size + FuseOpenOut.size,
                  let entry = try? FuseEntryOut(bytes: [UInt8](v.body[0..<FuseEntryOut.size])),
                  let opened = try? FuseOpenOut(bytes: [UInt8](v.body[FuseEntryOut.size...])) else {
                return done("CREATE reply too short")
            }
            request(lane, .release, entry.nodeid, FuseReleaseIn(fh: opened.fh, flags: UInt32(O_RDWR)).bytes, capacity: 0, done: done) { [self] _ in
                request(lane, .unlink, root, name, capacity: 0, done: done) { [self] _ in
                    request(lane, .forget, entry.nodeid, FuseForgetIn(nlookup: 1).bytes, capacity: 0, queue: 0, done: done) { _ in done(nil) }
                }
            }
        }
    }

    /// An installer's directory burst (the meta workload's `mkdir -p`): MKDIR, RMDIR, FORGET.
    private func mkdirRmdir(_ lane: Lane, _ done: @escaping (String?) -> Void) {
        lane.sequence += 1
        let name = Array("md-\(lane.index)-\(lane.sequence)".utf8) + [0]
        request(lane, .mkdir, root, FuseMkdirIn(mode: 0o755, umask: 0o022).bytes + name, capacity: FuseEntryOut.size, done: done) { [self] v in
            guard v.body.count >= FuseEntryOut.size, let entry = try? FuseEntryOut(bytes: [UInt8](v.body[0..<FuseEntryOut.size])) else {
                return done("MKDIR reply too short")
            }
            request(lane, .rmdir, root, name, capacity: 0, done: done) { [self] _ in
                request(lane, .forget, entry.nodeid, FuseForgetIn(nlookup: 1).bytes, capacity: 0, queue: 0, done: done) { _ in done(nil) }
            }
        }
    }

    /// Each lane owns one 2 MiB slot of the window: a read of a chunk not in the slot maps it
    /// there first (SETUPMAPPING), then copies 4 KiB out of the window.
    private func daxRead(_ lane: Lane, _ done: @escaping (String?) -> Void) {
        guard let window = client.frontend.dax else { return done("no DAX window") }
        let chunks = max(params.fileSize / Workload.daxChunk, 1)
        let chunk = lane.rng.below(chunks)
        let within = lane.rng.below(Workload.daxChunk / 4096) * 4096
        let slot = UInt64(lane.index) * Workload.daxChunk
        let copy = {
            do { try window.copy(offset: slot + within, into: lane.scratch); done(nil) } catch { done("DAX copy: \(error)") }
        }
        if lane.daxChunk == chunk { return copy() }
        let args = FuseSetupmappingIn(fh: dataHandle, foffset: chunk * Workload.daxChunk, len: Workload.daxChunk,
                                      flags: FuseFlag.setupmappingRead, moffset: slot).bytes
        request(lane, .setupmapping, data, args, capacity: 0, done: done) { _ in
            lane.daxChunk = chunk
            copy()
        }
    }
}
