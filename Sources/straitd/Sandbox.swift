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
        /// PID 1 of a PID namespace of its own (signals need handlers to reach it).
        var isNamespaceInit = false
    }

    /// Enters the sandbox. In the namespace mode the process forks into new PID, mount, network
    /// and IPC namespaces: the parent stays behind to wait for the child, pass its signals on and
    /// exit with its status (it never returns from here); the child returns and serves.
    static func enter(_ mode: SandboxMode, sharedDir: String, readonly: Bool, logger: Logger,
                      parentSocket: (directoryFD: Int32, name: String)? = nil,
                      parentCleanup: @escaping () -> Void) throws(StartupError) -> Entered {
        try checkDirectory(sharedDir)
        switch mode {
        case .none:
            logger.debug("no sandbox", metadata: ["root": "\(sharedDir)"])
            return Entered(root: sharedDir, procSelfFD: nil)
        case .chroot:
            keepCoresOutOfTheShare(logger: logger)
            let proc = try openProcSelfFD()
            guard chroot(sharedDir) == 0 else { throw .system("chroot into \(sharedDir)") }
            guard chdir("/") == 0 else { throw .system("chdir / after chroot") }
            logger.debug("chroot sandbox", metadata: ["root": "\(sharedDir)"])
            return Entered(root: "/", procSelfFD: proc)
        case .namespace:
            keepCoresOutOfTheShare(logger: logger)
            try forkIntoNamespaces(logger: logger, parentSocket: parentSocket, parentCleanup: parentCleanup)
            let proc = try openProcSelfFD()
            try pivot(into: sharedDir, readonly: readonly)
            logger.debug("namespace sandbox", metadata: ["root": "\(sharedDir)"])
            return Entered(root: "/", procSelfFD: proc, isNamespaceInit: true)
        }
    }

    /// The parent of the namespace child: forwards SIGTERM/SIGINT/SIGHUP, exits as the child did.
    /// It does so as a fresh image of the binary (`strait_exec_sandbox_parent`): a copy of the
    /// whole daemon waiting kept ~3.5 MiB resident for nothing. If that exec fails, it waits here.
    private static func forkIntoNamespaces(logger: Logger, parentSocket: (directoryFD: Int32, name: String)?,
                                           parentCleanup: () -> Void) throws(StartupError) {
        var chld = sigset_t()
        sigemptyset(&chld)
        sigaddset(&chld, SIGCHLD)
        pthread_sigmask(SIG_BLOCK, &chld, nil)
        // Opened before the child can pivot the shared mount namespace's root away from /proc.
        let exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        // The parent's core filter, for the same reason: after the child's pivot_root (which moves
        // the root of every process of the mount namespace, this one's too) the waiter finds no /proc.
        let coreFilter = open("/proc/self/coredump_filter", O_WRONLY | O_CLOEXEC)
        let child = strait_fork_into_namespaces()
        guard child >= 0 else {
            if exe >= 0 { close(exe) }
            if coreFilter >= 0 { close(coreFilter) }
            throw .system("unsharing PID, mount, network and IPC namespaces (needs CAP_SYS_ADMIN; try --sandbox=chroot or none)")
        }
        if child == 0 {
            if exe >= 0 { close(exe) }
            if coreFilter >= 0 { close(coreFilter) }
            pthread_sigmask(SIG_UNBLOCK, &chld, nil)
            // The parent is outside our namespace: if it goes, so do we.
            guard strait_die_with_parent(SIGKILL) == 0 else { throw .system("PR_SET_PDEATHSIG") }
            return
        }
        logger.debug("serving from a child in its own namespaces", metadata: ["pid": "\(child)"])
        // The waiter dumps core only to say its child did (`strait_exit_as_child`): a core with no
        // mappings in it is enough (the filter survives the exec; the child keeps the default).
        if coreFilter >= 0 {
            _ = write(coreFilter, "0", 1)
            close(coreFilter)
        }
        let forwarded = SignalThread.handled
        _ = forwarded.withUnsafeBufferPointer { signals in
            strait_exec_sandbox_parent(exe, child, parentSocket?.directoryFD ?? -1, parentSocket?.name ?? "",
                                       signals.baseAddress, Int32(signals.count))
        }
        logger.warning("the sandbox's parent could not re-execute itself (\(String(cString: strerror(errno)))); waiting in place")
        if exe >= 0 { close(exe) }
        let status = waitForChild(child)
        parentCleanup()
        strait_exit_as_child(status)
    }

    /// The child's wait status, once it is gone (`strait_exit_as_child` ends the same way).
    private static func waitForChild(_ child: pid_t) -> Int32 {
        let signals: [Int32] = SignalThread.handled + [SIGCHLD]
        while true {
            var sender: pid_t = 0
            let sig = signals.withUnsafeBufferPointer { strait_wait_signal($0.baseAddress, Int32($0.count), &sender) }
            if sig != SIGCHLD {
                if sig > 0 { kill(child, sig) }
                continue
            }
            var status: Int32 = 0
            let reaped = waitpid(child, &status, WNOHANG)
            guard reaped == child else { continue }
            return status
        }
    }

    /// The shared directory becomes "/" (nodev, nosuid; read-only with --readonly) and the old
    /// root is detached, so no path leads back out.
    private static func pivot(into sharedDir: String, readonly: Bool) throws(StartupError) {
        // Our mounts (the bind below, the detach) must not propagate back to the host.
        guard strait_mount_make_rslave() == 0 else { throw .system("making / a recursive slave mount") }
        guard strait_bind_self(sharedDir) == 0 else { throw .system("bind-mounting \(sharedDir) onto itself") }
        guard strait_restrict_mounts(sharedDir, readonly ? 1 : 0) == 0 else {
            throw .system("making \(sharedDir) nodev,nosuid\(readonly ? ",ro" : "")")
        }
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
