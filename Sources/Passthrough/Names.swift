import Glibc

/// Guest-supplied names are raw bytes; these checks keep them single path components.
enum Names {
    static let maxLength = 255

    /// A name for creating, removing or renaming: non-empty, no '/', no NUL, not "." or "..".
    /// Returns the NUL-terminated C string.
    static func component(_ name: [UInt8]) throws(FSError) -> [CChar] {
        if isDotOrDotDot(name) {
            throw FSError.invalid("'.' and '..' are not allowed here")
        }
        return try lookupComponent(name)
    }

    /// A name for lookup, where "." and ".." are allowed (the caller keeps ".." inside the share).
    static func lookupComponent(_ name: [UInt8]) throws(FSError) -> [CChar] {
        try name.withUnsafeBufferPointer { (b) throws(FSError) in try checkLookupComponent(b) }
        return cString(name)
    }

    /// The checks of `lookupComponent` on bytes in place (the name inside a request).
    static func checkLookupComponent(_ name: UnsafeBufferPointer<UInt8>) throws(FSError) {
        if name.isEmpty { throw FSError(errno: ENOENT, message: "empty name") }
        if name.count > maxLength { throw FSError(errno: ENAMETOOLONG, message: "name too long") }
        if name.contains(0x2F) { throw FSError.invalid("name contains '/'") }
        if name.contains(0) { throw FSError.invalid("name contains NUL") }
    }

    /// Bytes that must not contain NUL (symlink targets, xattr names) as a C string.
    static func bytes(_ value: [UInt8], what: String) throws(FSError) -> [CChar] {
        if value.contains(0) { throw FSError.invalid("\(what) contains NUL") }
        return cString(value)
    }

    /// "." or "..", compared in place (an array literal on the right of `==` is an allocation
    /// and a release on every lookup).
    @inline(__always)
    static func isDotOrDotDot(_ name: [UInt8]) -> Bool {
        name.withUnsafeBufferPointer { isDotOrDotDot($0) }
    }

    @inline(__always)
    static func isDotOrDotDot(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        switch name.count {
        case 1: return name[0] == 0x2E
        case 2: return name[0] == 0x2E && name[1] == 0x2E
        default: return false
        }
    }

    /// One allocation and one copy (not an append per byte).
    static func cString(_ bytes: [UInt8]) -> [CChar] {
        [CChar](unsafeUninitializedCapacity: bytes.count + 1) { out, initialized in
            bytes.withUnsafeBytes { src in
                if let to = out.baseAddress, let from = src.baseAddress, src.count > 0 {
                    UnsafeMutableRawPointer(to).copyMemory(from: from, byteCount: src.count)
                }
            }
            out[bytes.count] = 0
            initialized = bytes.count + 1
        }
    }
}
