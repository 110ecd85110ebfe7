import CShims
import Glibc

/// Opens one name below a directory descriptor so that resolution cannot leave it: openat2 with
/// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS where the kernel has it (5.6+,
/// probed once at run time), plain openat otherwise. Names reaching here are single components
/// (`Names`), so the kernel check is a second wall behind ours, not the only one.
public enum Beneath {
    /// Whether this kernel resolves with openat2; probed on first use.
    public static let available: Bool = {
        let fd = strait_openat_beneath(AT_FDCWD, ".", O_PATH | O_CLOEXEC, 0)
        if fd >= 0 { close(fd); return true }
        return Glibc.errno != ENOSYS
    }()

    static func openat(_ dirFD: Int32, _ name: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
        guard available else { return Glibc.openat(dirFD, name, flags, mode) }
        while true {
            let fd = strait_openat_beneath(dirFD, name, flags, UInt32(mode))
            // openat2 can ask to be retried when a rename raced the lookup.
            if fd == -1 && Glibc.errno == EAGAIN { continue }
            return fd
        }
    }
}
