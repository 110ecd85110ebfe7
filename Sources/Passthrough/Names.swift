import Glibc

/// Guest-supplied names are raw bytes; these checks keep them single path components.
enum Names {
    static let maxLength = 255

    /// A name for creating, removing or renaming: non-empty, no '/', no NUL, not "." or "..".
    /// Returns the NUL-terminated C string.
    static func component(_ name: [UInt8]) throws(FSError) -> [CChar] {
        if name == [0x2E] || name == [0x2E, 0x2E] {
            throw FSError.invalid("'.' and '..' are not allowed here")
        }
        return try lookupComponent(name)
    }

    /// A name for lookup, where "." and ".." are allowed (the caller keeps ".." inside the share).
    static func lookupComponent(_ name: [UInt8]) throws(FSError) -> [CChar] {
        if name.isEmpty { throw FSError(errno: ENOENT, message: "empty name") }
        if name.count > maxLength { throw FSError(errno: ENAMETOOLONG, message: "name too long") }
        if name.contains(0x2F) { throw FSError.invalid("name contains '/'") }
        if name.contains(0) { throw FSError.invalid("name contains NUL") }
        return cString(name)
    }

    /// Bytes that must not contain NUL (symlink targets, xattr names) as a C string.
    static func bytes(_ value: [UInt8], what: String) throws(FSError) -> [CChar] {
        if value.contains(0) { throw FSError.invalid("\(what) contains NUL") }
        return cString(value)
    }

    static func cString(_ bytes: [UInt8]) -> [CChar] {
        var out = [CChar]()
        out.reserveCapacity(bytes.count + 1)
        for b in bytes { out.append(CChar(bitPattern: b)) }
        out.append(0)
        return out
    }
}
