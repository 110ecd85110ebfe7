import Foundation
import GuestImage
import Matrix
import Posix
import Results

/// The tar workload's reference tree on the host: generated deterministically from the seed (or
/// unpacked from the matrix's tarball), packed once, and the yardstick every extraction in the
/// guest is verified against, file by file.
public struct TarTree: Sendable {
    /// The tree as the archive holds it (its top directory is `tree`).
    public let root: String
    public let tarball: String
    /// Regular files, relative to `root`, sorted.
    public let files: [String]

    /// Builds the tree and its tarball under `directory`.
    public static func make(_ workload: TarWorkload, in directory: String) throws(RunnerError) -> TarTree {
        let fm = FileManager.default
        let base = directory + "/tar-\(workload.files)-\(workload.seed)"
        try? fm.removeItem(atPath: base)
        let root = base + "/tree"
        let tarball = base + "/tree.tar"
        do {
            try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
            if let given = workload.tarball {
                try HostCommand("tar", ["-xf", given, "-C", root, "--no-same-owner"]).check(timeout: 600)
                try fm.copyItem(atPath: given, toPath: tarball)
            } else {
                try generate(root: root, files: workload.files, seed: workload.seed)
                try HostCommand("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0",
                                        "-C", base, "-cf", tarball, "tree"]).check(timeout: 600)
            }
        } catch {
            throw RunnerError(.io, "tar workload: cannot prepare \(base)", cause: error)
        }
        return TarTree(root: root, tarball: tarball, files: listFiles(root))
    }

    /// `files` files of 0 to 8 KiB in a two-level directory tree, contents from a seeded generator:
    /// the same seed gives the same bytes on every machine.
    static func generate(root: String, files: Int, seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let perDir = 40
        for i in 0..<files {
            let dir = root + String(format: "/d%02d/s%02d", i / (perDir * 10), (i / perDir) % 10)
            if i % perDir == 0 {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
            let size = Int(rng.next() % 8193)
            var bytes = [UInt8](repeating: 0, count: size)
            var k = 0
            while k < size {
                var word = rng.next()
                for _ in 0..<8 where k < size {
                    bytes[k] = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    k += 1
                }
            }
            let path = dir + String(format: "/f%05d.dat", i)
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                throw RunnerError(.io, "cannot write \(path)")
            }
        }
    }

    static func listFiles(_ root: String) -> [String] {
        var out: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let rel = enumerator?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
                out.append(rel)
            }
        }
        return out.sorted()
    }

    /// Compares an extraction (`extracted` holds `tree/...`) with the reference, byte for byte,
    /// and reports files missing, extra or different.
    public func verify(extracted: String, maxMismatches: Int = 20) -> Verification {
        var mismatches: [String] = []
        var checked = 0
        let fm = FileManager.default
        let top = extracted + "/tree"
        for rel in files {
            checked += 1
            let want = fm.contents(atPath: root + "/" + rel)
            guard let got = fm.contents(atPath: top + "/" + rel) else {
                mismatches.append("\(rel): missing on the host")
                if mismatches.count >= maxMismatches { break }
                continue
            }
            if got != want {
                mismatches.append("\(rel): \(got.count) bytes differ from the reference's \(want?.count ?? -1)")
                if mismatches.count >= maxMismatches { break }
            }
        }
        if mismatches.count < maxMismatches {
            let present = Set(Self.listFiles(top))
            for extra in present.subtracting(files).sorted().prefix(maxMismatches - mismatches.count) {
                mismatches.append("\(extra): not in the archive")
            }
        }
        return Verification(passed: mismatches.isEmpty && checked == files.count, filesChecked: checked, mismatches: mismatches)
    }
}

extension TarTree {
    /// Compares `sha256sum` lines the guest printed for its extraction (paths `./d00/...`) with
    /// the reference's contents: files missing, extra or different. For cells whose files never
    /// reach the host (the native backend).
    public func verify(guestSums: String, maxMismatches: Int = 20) -> Verification {
        var got: [String: String] = [:]
        for line in guestSums.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].count == 64 else { continue }
            var path = parts[1].drop { $0 == " " || $0 == "*" }
            if path.hasPrefix("./") { path = path.dropFirst(2) }
            got[String(path)] = String(parts[0])
        }
        var mismatches: [String] = []
        for rel in files where mismatches.count < maxMismatches {
            guard let sum = got.removeValue(forKey: rel) else {
                mismatches.append("\(rel): missing in the guest")
                continue
            }
            let want = SHA256.hex(bytes: Array(FileManager.default.contents(atPath: root + "/" + rel) ?? Data()))
            if sum != want { mismatches.append("\(rel): contents differ from the reference") }
        }
        for extra in got.keys.sorted().prefix(max(0, maxMismatches - mismatches.count)) {
            mismatches.append("\(extra): not in the archive")
        }
        return Verification(passed: mismatches.isEmpty, filesChecked: files.count, mismatches: mismatches)
    }
}
