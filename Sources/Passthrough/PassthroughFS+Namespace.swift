import CShims
import Glibc

extension PassthroughFS {
    public static let renameNoReplace = UInt32(bitPattern: strait_RENAME_NOREPLACE)
    public static let renameExchange = UInt32(bitPattern: strait_RENAME_EXCHANGE)
    public static let renameWhiteout = UInt32(bitPattern: strait_RENAME_WHITEOUT)

    public func unlink(parent: UInt64, name: [UInt8]) throws(FSError) {
        let (_, dirFD, cname) = try resolveParent(parent, name)
        _ = try sys("unlinkat") { unlinkat(dirFD.raw, cname, 0) }
    }

    public func rmdir(parent: UInt64, name: [UInt8]) throws(FSError) {
        let (_, dirFD, cname) = try resolveParent(parent, name)
        _ = try sys("rmdir") { unlinkat(dirFD.raw, cname, AT_REMOVEDIR) }
    }

    /// RENAME and RENAME2; `flags` may combine RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT
    /// (the kernel rejects invalid combinations).
    public func rename(parent: UInt64, name: [UInt8], newParent: UInt64, newName: [UInt8],
                       flags: UInt32 = 0) throws(FSError)
    {
        let known = Self.renameNoReplace | Self.renameExchange | Self.renameWhiteout
        guard flags & ~known == 0 else { throw FSError.invalid("unknown rename flags \(flags)") }
        let (_, oldFD, oldName) = try resolveParent(parent, name)
        let (_, newFD, cNewName) = try resolveParent(newParent, newName)
        _ = try sys("renameat2") {
            flags == 0
                ? renameat(oldFD.raw, oldName, newFD.raw, cNewName)
                : strait_renameat2(oldFD.raw, oldName, newFD.raw, cNewName, flags)
        }
    }

    /// A hard link to `node` named `newName` in `newParent`; +1 lookup on `node`.
    public func link(node: UInt64, newParent: UInt64, newName: [UInt8]) throws(FSError) -> Entry {
        let source = try inode(node)
        guard !source.isDirectory else { throw FSError(errno: EPERM, message: "link of directory") }
        let (dir, dirFD, cname) = try resolveParent(newParent, newName)
        let sourceFD = try pathFD(source)
        let procName = sourceFD.procName
        _ = try sys("linkat") {
            linkat(procDir, procName, dirFD.raw, cname, AT_SYMLINK_FOLLOW)
        }
        return try lookup(in: dirFD, cname: cname, parentMountID: dir.key.mountID)
    }
}
