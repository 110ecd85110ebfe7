import FUSE
import Glibc
import Passthrough

/// `--readonly`: the share is served for reading only. Every request that would change it is
/// answered EROFS before it reaches the host file system (the namespace sandbox also mounts the
/// share read-only, so a request this list missed still cannot write).
extension FuseDispatcher {
    static let modifyingOpcodes: Set<FuseOpcode> = [
        .setattr, .symlink, .mknod, .mkdir, .unlink, .rmdir, .rename, .rename2, .link, .write,
        .setxattr, .removexattr, .create, .tmpfile, .fallocate, .copyFileRange,
    ]

    /// Whether `op` with these arguments would modify the share.
    static func modifies(_ op: FuseOpcode, _ args: ByteCursor) -> Bool {
        if modifyingOpcodes.contains(op) { return true }
        var a = args
        switch op {
        case .open:
            guard let x = try? a.decode(FuseOpenIn.self) else { return false }
            let flags = Int32(bitPattern: x.flags)
            return flags & O_ACCMODE != O_RDONLY || flags & (O_TRUNC | O_CREAT) != 0
        case .setupmapping:
            guard let x = try? a.decode(FuseSetupmappingIn.self) else { return false }
            return x.flags & FuseFlag.setupmappingWrite != 0
        default:
            return false
        }
    }
}
