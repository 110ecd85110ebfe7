import FUSE
import Glibc
import VhostUserDriver

/// `--answers`: what a daemon answers that decides how many requests a Linux guest sends per
/// file (issue 11, meta workloads): INIT's flags and limits, entry and attribute timeouts,
/// whether a missing name comes back as ENOENT or as a cacheable negative entry, FOPEN flags,
/// READDIRPLUS's entries with nodes, SYNCFS. A longer timeout, a negative entry or KEEP_CACHE
/// saves the guest round trips; a shorter one, DIRECT_IO or a refused SYNCFS costs it some.
/// One fresh daemon per probe, asked as a Linux 6.1 guest asks (`FuseClient.guestInitFlags`).
struct AnswerProbe {
    let client: FuseClient
    let initOut: FuseInitOut
    let root = FuseProtocol.rootID

    /// (question, answer) in a fixed order.
    func run() throws -> [(String, String)] {
        var out: [(String, String)] = []
        let agreed = FuseInitFlags(low: initOut.flags, high: initOut.flags2)
        let offered = FuseClient.guestInitFlags
        out.append(("INIT flags agreed (of a 6.1 guest's)", Self.initNames.filter { agreed.contains($0.1) }.map(\.0).joined(separator: " ")))
        out.append(("INIT flags refused (of a 6.1 guest's)", Self.initNames.filter { offered.contains($0.1) && !agreed.contains($0.1) }.map(\.0).joined(separator: " ")))
        out.append(("INIT minor, max_background, congestion_threshold", "7.\(initOut.minor), \(initOut.maxBackground), \(initOut.congestionThreshold)"))
        out.append(("INIT max_write, max_pages, time_gran (ns)", "\(initOut.maxWrite), \(initOut.maxPages), \(initOut.timeGran)"))

        let target = try client.lookup(parent: root, name: Dataset.statTarget)
        out.append(("LOOKUP of a file: entry / attr valid", Self.valid(target)))
        out.append(("LOOKUP of a missing name", missing(parent: root, name: "answers-missing")))
        let attr = try client.getattr(node: target.nodeid)
        out.append(("GETATTR: attr valid", Self.seconds(attr.attrValid, attr.attrValidNsec)))
        let opened = try client.open(node: target.nodeid, flags: O_RDONLY)
        out.append(("OPEN O_RDONLY: FOPEN flags", Self.openNames(opened.openFlags)))
        try client.release(node: target.nodeid, handle: opened.fh, flags: O_RDONLY)

        let dir = try client.mkdir(parent: root, name: "answers-dir")
        out.append(("MKDIR: entry / attr valid", Self.valid(dir)))
        out.append(("LOOKUP of a missing name in a new directory", missing(parent: dir.nodeid, name: "f.js")))
        let (file, handle) = try client.create(parent: dir.nodeid, name: "f.js", mode: 0o666, flags: O_WRONLY | O_CREAT | O_TRUNC)
        out.append(("CREATE (O_WRONLY O_CREAT O_TRUNC): entry / attr valid", Self.valid(file)))
        out.append(("CREATE (O_WRONLY O_CREAT O_TRUNC): FOPEN flags", Self.openNames(handle.openFlags)))
        let written = try client.write(node: file.nodeid, handle: handle.fh, offset: 0, data: FuseLoad.metaContent)
        out.append(("WRITE of 24 bytes", "\(written) written"))
        out.append(("FLUSH", outcome { () throws(DriverError) in try client.flush(node: file.nodeid, handle: handle.fh) }))
        try client.release(node: file.nodeid, handle: handle.fh, flags: O_WRONLY)

        let listed = try client.lookup(parent: root, name: Dataset.directory)
        let dh = try client.opendir(node: listed.nodeid)
        out.append(("OPENDIR: FOPEN flags", Self.openNames(dh.openFlags)))
        let records = try client.readdir(node: listed.nodeid, handle: dh.fh, offset: 0, size: 4096, plus: true)
        let withNode = records.filter { $0.entry.map { $0.nodeid != 0 } ?? false }
        let first = withNode.first { String(decoding: $0.name, as: UTF8.self).hasPrefix("file-") }?.entry
        out.append(("READDIRPLUS, 4 KiB of a 100-entry directory: entries, with a node, entry / attr valid",
                    "\(records.count), \(withNode.count), \(first.map(Self.valid) ?? "-")"))
        try client.releasedir(node: listed.nodeid, handle: dh.fh)
        out.append(("SYNCFS", outcome { () throws(DriverError) in try client.syncfs() }))
        out.append(("STATFS", outcome { () throws(DriverError) in _ = try client.statfs() }))
        return out
    }

    private func missing(parent: UInt64, name: String) -> String {
        do {
            let e = try client.lookup(parent: parent, name: name)
            return e.nodeid == 0 ? "negative entry, entry valid \(Self.seconds(e.entryValid, e.entryValidNsec))" : "a node (\(e.nodeid))"
        } catch {
            return error.errno.map { "error \(Self.errnoName($0))" } ?? "\(error)"
        }
    }

    private func outcome(_ body: () throws(DriverError) -> Void) -> String {
        do { try body(); return "ok" } catch { return error.errno.map { "error \(Self.errnoName($0))" } ?? "\(error)" }
    }

    static func errnoName(_ e: Int32) -> String {
        switch e {
        case ENOENT: "ENOENT"
        case ENOSYS: "ENOSYS"
        case EOPNOTSUPP: "EOPNOTSUPP"
        case EINVAL: "EINVAL"
        case EPERM: "EPERM"
        case EACCES: "EACCES"
        default: "errno \(e)"
        }
    }

    static func seconds(_ s: UInt64, _ ns: UInt32) -> String {
        ns == 0 ? "\(s) s" : Report.fmt(Double(s) + Double(ns) / 1e9, 3) + " s"
    }

    static func valid(_ e: FuseEntryOut) -> String {
        seconds(e.entryValid, e.entryValidNsec) + " / " + seconds(e.attrValid, e.attrValidNsec)
    }

    static func openNames(_ flags: UInt32) -> String {
        let names: [(String, UInt32)] = [
            ("DIRECT_IO", FuseOpenOutFlags.directIO), ("KEEP_CACHE", FuseOpenOutFlags.keepCache),
            ("NONSEEKABLE", FuseOpenOutFlags.nonseekable), ("CACHE_DIR", FuseOpenOutFlags.cacheDir),
            ("STREAM", FuseOpenOutFlags.stream), ("NOFLUSH", FuseOpenOutFlags.noflush),
            ("PARALLEL_DIRECT_WRITES", FuseOpenOutFlags.parallelDirectWrites),
        ]
        let set = names.filter { flags & $0.1 != 0 }.map(\.0)
        let unknown = flags & ~names.reduce(0) { $0 | $1.1 }
        return set.isEmpty && unknown == 0 ? "none" : (set + (unknown == 0 ? [] : ["0x" + String(unknown, radix: 16)])).joined(separator: " ")
    }

    static let initNames: [(String, FuseInitFlags)] = [
        ("ASYNC_READ", .asyncRead), ("POSIX_LOCKS", .posixLocks), ("ATOMIC_O_TRUNC", .atomicOTrunc),
        ("EXPORT_SUPPORT", .exportSupport), ("BIG_WRITES", .bigWrites), ("DONT_MASK", .dontMask),
        ("FLOCK_LOCKS", .flockLocks), ("AUTO_INVAL_DATA", .autoInvalData), ("DO_READDIRPLUS", .doReaddirplus),
        ("READDIRPLUS_AUTO", .readdirplusAuto), ("ASYNC_DIO", .asyncDIO), ("WRITEBACK_CACHE", .writebackCache),
        ("PARALLEL_DIROPS", .parallelDirops), ("HANDLE_KILLPRIV", .handleKillpriv), ("POSIX_ACL", .posixACL),
        ("ABORT_ERROR", .abortError), ("MAX_PAGES", .maxPages), ("CACHE_SYMLINKS", .cacheSymlinks),
        ("EXPLICIT_INVAL_DATA", .explicitInvalData), ("MAP_ALIGNMENT", .mapAlignment), ("SUBMOUNTS", .submounts),
        ("HANDLE_KILLPRIV_V2", .handleKillprivV2), ("SETXATTR_EXT", .setxattrExt), ("INIT_EXT", .initExt),
        ("SECURITY_CTX", .securityCtx), ("HAS_INODE_DAX", .hasInodeDax),
    ]

    /// The answers of every daemon side by side; a row whose answers differ is marked.
    static func markdown(_ answers: [(daemon: String, rows: [(String, String)])]) -> String {
        guard let first = answers.first else { return "" }
        var lines = ["| question | " + answers.map(\.daemon).joined(separator: " | ") + " | differs |",
                     "|---|" + answers.map { _ in "---|" }.joined() + "---|"]
        for (i, row) in first.rows.enumerated() {
            let values = answers.map { i < $0.rows.count ? $0.rows[i].1 : "-" }
            lines.append("| \(row.0) | " + values.map { $0.isEmpty ? "(none)" : $0 }.joined(separator: " | ")
                         + " | \(Set(values).count > 1 ? "yes" : "") |")
        }
        return lines.joined(separator: "\n")
    }
}
