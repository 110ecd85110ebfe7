import Glibc
import Posix

/// Reading a corpus: a file is one input; a directory holds one input per regular file.
public enum CorpusFiles {
    public static func list(_ path: String) -> [String] {
        var st = stat()
        guard stat(path, &st) == 0 else { return [] }
        guard st.st_mode & S_IFMT == S_IFDIR, let dir = opendir(path) else { return [path] }
        defer { closedir(dir) }
        var files: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".") { continue }
            files.append(path + "/" + name)
        }
        return files.sorted()
    }

    public static func read(_ path: String) -> [UInt8]? { readWholeFile(path) }
}
