import Glibc
import Testing
@testable import Passthrough

@Suite struct DirectoryTests {
    private func names(_ fs: PassthroughFS, _ handle: UInt64, offset: UInt64 = 0, limit: Int = .max,
                       plus: Bool = false) throws -> ([DirEntry], [Entry?])
    {
        var out: [DirEntry] = []
        var entries: [Entry?] = []
        try fs.readdir(handle: handle, offset: offset, plus: plus) { d, e in
            if out.count >= limit { return false }
            out.append(d)
            entries.append(e)
            return true
        }
        return (out, entries)
    }

    @Test func listsEverythingAndResumesFromOffsets() throws {
        let f = try Fixture()
        for i in 0..<300 { f.dir.write("file-\(i)", "") }
        let d = try f.fs.opendir(node: 1)
        let (all, _) = try names(f.fs, d.handle)
        #expect(all.count == 302)
        #expect(Set(all.map { String(decoding: $0.name, as: UTF8.self) }).contains("file-299"))
        // Page through 50 at a time using each page's last nextOffset.
        var seen: [String] = []
        var offset: UInt64 = 0
        while true {
            let (page, _) = try names(f.fs, d.handle, offset: offset, limit: 50)
            if page.isEmpty { break }
            seen += page.map { String(decoding: $0.name, as: UTF8.self) }
            offset = page[page.count - 1].nextOffset
        }
        #expect(seen.count == 302 && Set(seen).count == 302)
        try f.fs.releasedir(handle: d.handle)
        #expect(errnoOf { try f.fs.releasedir(handle: d.handle) } == EBADF)
    }

    @Test func plusLooksUpOnlyEmittedEntries() throws {
        let f = try Fixture()
        f.dir.write("a", "1")
        f.dir.write("b", "22")
        f.dir.write("c", "333")
        let d = try f.fs.opendir(node: 1)
        let (page, entries) = try names(f.fs, d.handle, limit: 3, plus: true)
        #expect(page.count == 3)
        var counted = 0
        for (dirent, entry) in zip(page, entries) {
            let name = String(decoding: dirent.name, as: UTF8.self)
            if name == "." || name == ".." {
                #expect(entry == nil)
            } else if let entry {
                counted += 1
                #expect(f.fs.lookupCount(node: entry.node) == 1)
                #expect(entry.attr.st_size == Int(name == "a" ? 1 : name == "b" ? 2 : 3))
            }
        }
        // Nodes held: root plus exactly the entries handed out.
        #expect(f.fs.nodeCount == 1 + counted)
        try f.fs.releasedir(handle: d.handle)
    }

    @Test func typesAndFsyncdir() throws {
        let f = try Fixture()
        f.dir.mkdir("sub")
        symlink("x", f.dir.sub("ln"))
        let d = try f.fs.opendir(node: 1)
        let (all, _) = try names(f.fs, d.handle)
        let types = Dictionary(uniqueKeysWithValues: all.map { (String(decoding: $0.name, as: UTF8.self), $0.type) })
        #expect(types["sub"] == UInt32(DT_DIR))
        #expect(types["ln"] == UInt32(DT_LNK))
        try f.fs.fsyncdir(handle: d.handle, dataOnly: false)
        try f.fs.releasedir(handle: d.handle)
        f.dir.write("file", "")
        let file = try f.fs.lookup(parent: 1, name: bytes("file"))
        #expect(errnoOf { try f.fs.opendir(node: file.node) } == ENOTDIR)
    }
}
