import CShims
import DaemonOptions
import Glibc
import Logging

/// Isolates straitd in the shared directory before it serves the guest, as virtiofsd does: the
/// guest's requests then cannot name anything outside it, whatever the Passthrough's checks.
enum Sandbox {
    /// Where the Passthrough finds its world once the sandbox is up.
    struct Entered {
        /// The shared directory as the process now sees it ("/" after pivot_root or chroot).
        var root: String
        /// /proc/self/fd opened before /proc went out of reach; nil with no sandbox.
        var procSelfFD: Int32?
    }

    static func enter(_ mode: SandboxMode, sharedDir: String, logger: Logger) throws(StartupError) -> Entered {
        try checkDirectory(sharedDir)
        switch mode {
        case .none:
            logger.debug("no sandbox", metadata: ["root": "\(sharedDir)"])
            return Entered(root: sharedDir, procSelfFD: nil)
        case .chroot:
            let proc = try openProcSelfFD()
            guard chroot(sharedDir) == 0 else { throw .system("chroot into \(sharedDir)") }
            guard chdir("/") == 0 else { throw .system("chdir / after chroot") }
            logger.debug("chroot sandbox", metadata: ["root": "\(sharedDir)"])
            return Entered(root: "/", procSelfFD: proc)
        case .namespace:
            let proc = try openProcSelfFD()
            try pivot(into: sharedDir)
            logger.debug("namespace sandbox", metadata: ["root": "\(sharedDir)"])
            return Entered(root: "/", procSelfFD: proc)
        }
    }

    /// New mount, network and IPC namespaces; the shared directory becomes "/" and the old
    /// root is detached, so no path leads back out.
    private static func pivot(into sharedDir: String) throws(StartupError) {
        guard strait_unshare_sandbox() == 0 else {
            throw .system("unsharing mount, network and IPC namespaces (needs CAP_SYS_ADMIN; try --sandbox=chroot or none)")
        }
        // Our mounts (the bind below, the detach) must not propagate back to the host.
        guard strait_mount_make_rslave() == 0 else { throw .system("making / a recursive slave mount") }
        guard strait_bind_self(sharedDir) == 0 else { throw .system("bind-mounting \(sharedDir) onto itself") }
        guard chdir(sharedDir) == 0 else { throw .system("chdir \(sharedDir)") }
        // pivot_root(".", "."): the old root is stacked on top of the new one, then detached.
        guard strait_pivot_root(".", ".") == 0 else { throw .system("pivot_root into \(sharedDir)") }
        guard strait_umount_detach(".") == 0 else { throw .system("detaching the old root") }
        guard chdir("/") == 0 else { throw .system("chdir / after pivot_root") }
    }

    private static func openProcSelfFD() throws(StartupError) -> Int32 {
        let fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("opening /proc/self/fd") }
        return fd
    }

    /// The shared directory must exist and be a directory (Rust virtiofsd: "does not exist", exit 1).
    private static func checkDirectory(_ path: String) throws(StartupError) {
        let fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("shared directory \(path)") }
        close(fd)
    }
}
