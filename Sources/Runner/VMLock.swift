import Foundation
import Glibc

/// `--vm-lock FILE`: an exclusive flock(2) on FILE held only while the run's VMs run, the same
/// lock `flock FILE strait ...` would take for the whole command. With it a gate runs its
/// host-speed layers (several minutes of strait-load and valgrind) outside the lock and holds the
/// machine's VM slot only for the E2E layer, so others sharing the slot wait less.
final class VMLock {
    private let fd: Int32

    /// Blocks until the lock is ours.
    init(path: String, log: (String) -> Void) throws(RunnerError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw RunnerError(.io, "cannot open the VM lock \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            log("strait: waiting for the VM lock \(path) ...")
            let t0 = Date()
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(fd)
                    throw RunnerError(.io, "cannot lock \(path): \(String(cString: strerror(errno)))")
                }
            }
            log(String(format: "strait: VM lock %@ taken after %.0f s", path, Date().timeIntervalSince(t0)))
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
