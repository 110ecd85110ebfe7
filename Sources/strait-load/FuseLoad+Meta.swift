import FUSE
import Posix
import Synchronization
import Glibc
import VhostUser
import VhostUserDriver

/// The meta workload's phases (Runner's `GuestWorkloads.metaScript`) as the requests a Linux
/// guest sends per file, so that a daemon's cost per request can be counted at host speed
/// (issue 11: straitd's meta-create and meta-rm were behind both virtiofsd in the guest).
///
/// - `meta-create`, one `mkdir -p DIR` + `awk ... > DIR/f.js` per operation: LOOKUP of the
///   directory (absent), MKDIR, LOOKUP of the file (absent), CREATE (O_WRONLY|O_CREAT|O_TRUNC,
///   as awk's `>` opens), WRITE of 24 bytes, FLUSH and RELEASE (the close), then the two
///   FORGETs the guest sends when it drops its caches before the next phase.
/// - `meta-rm`, `rm -rf` of one such directory: LOOKUP (standing for the parent's READDIRPLUS
///   entry), OPENDIR, READDIRPLUS until it comes back empty, RELEASEDIR, UNLINK of the file
///   (its dentry came from READDIRPLUS), FORGET of it, RMDIR, FORGET of the directory. The
///   directories are made on the host before the round (plain mkdir/write, not through the
///   daemon), one per operation, so a time-based round stops early when they run out.
///
/// Each round works in a directory of its own (`scratchName`), removed on the host afterwards.
extension FuseLoad {
    static let metaFile = "f.js"
    static let metaContent = Array("module.exports = 12345;\n".utf8)

    var scratchName: String { "\(params.workload.rawValue)-\(tag)" }

    /// meta-rm's directories, made on the host: `count` of them, each holding `f.js`.
    func makeRemovalTrees(count: UInt64, in path: String) throws {
        for i in 0..<count {
            let d = path + "/d\(i)"
            guard mkdir(d, 0o755) == 0 else { throw DriverError.system("mkdir \(d)") }
            let fd = open(d + "/" + Self.metaFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw DriverError.system("create \(d)/\(Self.metaFile)") }
            let n = Self.metaContent.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard n == Self.metaContent.count else { throw DriverError.system("write \(d)/\(Self.metaFile)") }
        }
    }

    /// Removes the round's scratch directory on the host (whatever the daemon left in it).
    func removeScratch() {
        guard params.workload == .metaCreate || params.workload == .metaRm else { return }
        _ = try? Subprocess.run(["rm", "-rf", sharedRoot + "/" + scratchName], timeout: 120)
    }

    func metaCreate(_ lane: Lane, _ done: @escaping (String?) -> Void) {
        guard let buffer = lane.payload else { return done("no write buffer") }
        lane.sequence += 1
        let dirName = "d\(lane.index)-\(lane.sequence)"
        let dir = Array(dirName.utf8) + [0]
        let file = Array(Self.metaFile.utf8) + [0]
        absent(lane, scratch, dir, done) { [self] in
            request(lane, .mkdir, scratch, FuseMkdirIn(mode: 0o755, umask: 0o022).bytes + dir, capacity: FuseEntryOut.size, done: done) { [self] v in
                guard let d = Self.entry(v) else { return done("MKDIR reply too short") }
                absent(lane, d.nodeid, file, done) { [self] in
                    let create = FuseCreateIn(flags: UInt32(O_WRONLY | O_CREAT | O_TRUNC), mode: S_IFREG | 0o666, umask: 0o022).bytes + file
                    request(lane, .create, d.nodeid, create, capacity: FuseEntryOut.size + FuseOpenOut.size, done: done) { [self] v in
                        guard v.body.count >= FuseEntryOut.size + FuseOpenOut.size, let f = Self.entry(v),
                              let opened = try? FuseOpenOut(bytes: [UInt8](v.body[FuseEntryOut.size...])) else {
                            return done("CREATE reply too short")
                        }
                        let n = UInt32(Self.metaContent.count)
                        let write = FuseWriteIn(fh: opened.fh, offset: 0, size: n, flags: UInt32(O_WRONLY)).bytes
                        request(lane, .write, f.nodeid, write, payload: [DriverQueue.Segment(gpa: buffer.gpa, length: n)],
                                capacity: FuseWriteOut.size, done: done) { [self] _ in
                            let owner = UInt64(lane.index + 1)
                            request(lane, .flush, f.nodeid, FuseFlushIn(fh: opened.fh, lockOwner: owner).bytes, capacity: 0, done: done) { [self] _ in
                                request(lane, .release, f.nodeid, FuseReleaseIn(fh: opened.fh, flags: UInt32(O_WRONLY)).bytes, capacity: 0, done: done) { [self] _ in
                                    forget(lane, [f.nodeid, d.nodeid], done)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func metaRm(_ lane: Lane, _ done: @escaping (String?) -> Void) {
        let i = sequential.wrappingAdd(1, ordering: .relaxed).oldValue
        let dir = Array("d\(i)".utf8) + [0]
        request(lane, .lookup, scratch, dir, capacity: FuseEntryOut.size, done: done) { [self] v in
            guard let d = Self.entry(v), d.nodeid != 0 else { return done("LOOKUP d\(i): no entry") }
            request(lane, .opendir, d.nodeid, FuseOpenIn(flags: UInt32(O_RDONLY | O_DIRECTORY)).bytes, capacity: FuseOpenOut.size, done: done) { [self] v in
                guard let opened = try? FuseOpenOut(bytes: [UInt8](v.body)) else { return done("OPENDIR reply too short") }
                readAll(lane, d.nodeid, opened.fh, offset: 0, found: [:], done) { [self] found in
                    request(lane, .releasedir, d.nodeid, FuseReleaseIn(fh: opened.fh, flags: UInt32(O_RDONLY | O_DIRECTORY)).bytes, capacity: 0, done: done) { [self] _ in
                        guard let (node, lookups) = found[Self.metaFile] else { return done("READDIRPLUS of d\(i) did not list \(Self.metaFile) with a node") }
                        request(lane, .unlink, d.nodeid, Array(Self.metaFile.utf8) + [0], capacity: 0, done: done) { [self] _ in
                            forget(lane, [node], count: lookups, done) { [self] in
                                request(lane, .rmdir, scratch, dir, capacity: 0, done: done) { [self] _ in
                                    forget(lane, [d.nodeid], done)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// READDIRPLUS from `offset` until a reply comes back empty, as getdents does; collects the
    /// node and lookup count of every entry the daemon gave a node (not "." and "..").
    private func readAll(_ lane: Lane, _ node: UInt64, _ fh: UInt64, offset: UInt64, found: [String: (UInt64, UInt64)],
                         _ done: @escaping (String?) -> Void, next: @escaping ([String: (UInt64, UInt64)]) -> Void) {
        // A Linux guest asks for one page per READDIRPLUS.
        request(lane, .readdirplus, node, FuseReadIn(fh: fh, offset: offset, size: 4096).bytes, capacity: 4096, done: done) { [self] v in
            guard v.body.count > 0 else { return next(found) }
            guard let records = try? FuseDirentRecord.decodeAll([UInt8](v.body), plus: true), let last = records.last else {
                return done("READDIRPLUS: undecodable records")
            }
            var found = found
            for r in records {
                let name = String(decoding: r.name, as: UTF8.self)
                guard name != ".", name != "..", let e = r.entry, e.nodeid != 0 else { continue }
                found[name] = (e.nodeid, (found[name]?.1 ?? 0) + 1)
            }
            readAll(lane, node, fh, offset: last.dirent.off, found: found, done, next: next)
        }
    }

    /// LOOKUP of a name that must not exist: ENOENT, or a negative entry (node 0).
    private func absent(_ lane: Lane, _ parent: UInt64, _ name: [UInt8], _ done: @escaping (String?) -> Void, next: @escaping () -> Void) {
        do {
            try client.submit(opcode: .lookup, nodeid: parent, args: name, replyCapacity: FuseEntryOut.size, queue: lane.queue) { result in
                switch result {
                case .failure(let e): done("LOOKUP: \(e)")
                case .success(let v) where v.error == -ENOENT: next()
                case .success(let v) where v.error != 0: done("LOOKUP: \(String(cString: strerror(-v.error)))")
                case .success(let v):
                    guard let e = Self.entry(v), e.nodeid == 0 else { return done("LOOKUP of a new name found a node") }
                    next()
                }
            }
        } catch {
            done("LOOKUP: \(error)")
        }
    }

    /// One FORGET per node on the hiprio queue, as virtio-fs sends them (it does not batch).
    private func forget(_ lane: Lane, _ nodes: [UInt64], count: UInt64 = 1, _ done: @escaping (String?) -> Void, next: (() -> Void)? = nil) {
        guard let node = nodes.first else { return next.map { $0() } ?? done(nil) }
        request(lane, .forget, node, FuseForgetIn(nlookup: count).bytes, capacity: 0, queue: 0, done: done) { [self] _ in
            forget(lane, Array(nodes.dropFirst()), count: count, done, next: next)
        }
    }

    static func entry(_ v: FuseClient.ReplyView) -> FuseEntryOut? {
        guard v.body.count >= FuseEntryOut.size else { return nil }
        return try? FuseEntryOut(bytes: [UInt8](v.body[0..<FuseEntryOut.size]))
    }
}
