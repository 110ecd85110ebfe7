/// What straitd prints for `--print-capabilities`, `--version` and `--help`.
public enum Texts {
    public static let version = "0.1.0"

    /// The vhost-user backend capabilities (QEMU's docs/interop/vhost-user.json). "separate-options"
    /// tells libvirt it may pass --shared-dir, --cache, ... instead of `-o`. "migrate-precopy",
    /// which the Rust daemon adds, is left out on purpose: straitd cannot transfer device state.
    public static let capabilities = """
        {
          "type": "fs",
          "features": [
            "separate-options"
          ]
        }
        """

    public static let versionLine = "straitd \(version) (virtiofsd-compatible vhost-user-fs backend)"

    public static let usage = """
        Usage: straitd --shared-dir=DIR (--socket-path=PATH | --fd=N) [OPTIONS]
               straitd (--socket-path=PATH | --fd=N) -o source=DIR[,OPTION...] [OPTIONS]

        Serves DIR to a guest as a vhost-user-fs (virtio-fs) backend. Accepts the options of both
        virtiofsd implementations; long options take their value after '=' or as the next argument.

        Socket:
          --socket-path=PATH       create and listen on PATH (alias: --socket)
          --fd=N                   use the inherited listening socket N (libvirt)
          --socket-group=GROUP     group owner of the socket at --socket-path
        Shared directory:
          --shared-dir=DIR         the directory to share (-o source=DIR)
          --cache=MODE             none|never, auto, always, metadata (default auto)
          --xattr                  extended attributes (-o xattr|no_xattr)
          --xattrmap=RULES         virtiofsd's xattr mapping rules (implies --xattr)
          --posix-acl              POSIX ACLs (implies --xattr)
          --security-label         accepted, implies --xattr
          --writeback              writeback cache in the guest (-o writeback)
          --no-readdirplus         no READDIRPLUS (default: off with cache=none, as in C virtiofsd)
          --allow-direct-io        honour the guest's O_DIRECT (-o allow_direct_io)
          --killpriv-v2 / --no-killpriv-v2   FUSE_HANDLE_KILLPRIV_V2 (default off; on with a DAX window)
          --announce-submounts / --no-announce-submounts   (default off)
          --inode-file-handles=never|prefer|mandatory   (default never)
          --readonly               serve read-only: every modifying request gets EROFS
          -o timeout=SECS          entry/attribute timeout instead of the cache mode's
          -o posix_lock|no_posix_lock, flock|no_flock   remote locks (default on)
        Processing:
          --thread-pool-size=N     0: inline on the queue thread; N: pool of N with auto-switch
          --inline-threshold=N     auto-switch: inline up to N pending requests (default 3)
          --processing=MODE        inline, pool or auto (pins the mode)
          --request-queues=N       request queues offered besides hiprio (1-256, default 16)
          --poll=MODE              before a queue thread sleeps: off (default), on (spin 50 us),
                                   adaptive (window tuned to this host's wakeup cost and hit
                                   rate, none while all cores are busy) (-o poll=)
        DAX (QEMU 11.1's vhost-user-test-device-pci,virtio-id=26,num_vqs=2,config_size=40):
          --dax-window=SIZE        offer a DAX window of SIZE (e.g. 1G; -o dax_window=); needs --tag
          --tag=TAG                the tag in the device's config space (-o tag=)
        Process:
          --sandbox=MODE           namespace (default: own PID, mount, net, IPC namespaces,
                                   pivot_root into the share, nodev,nosuid), chroot, none
          --seccomp=ACTION         system calls outside straitd's list: kill (default), log,
                                   trap (named on stderr, exit 159), none
          --modcaps=+CAP:-CAP      change the capabilities kept while serving (-o modcaps=)
          --rlimit-nofile=N        RLIMIT_NOFILE (0: unchanged; default min(1000000, fs.nr_open))
          --log-level=LEVEL        error, warn, info, debug, trace, off (-o log_level=, -d: debug)
          --syslog                 log to syslog instead of stderr
          --print-capabilities     print the vhost-user JSON and exit
          -V, --version            print the version, build commit and debug|release, then exit
          -h, --help               print this help and exit
        Accepted and ignored: -f, --allow-mmap, --preserve-noatime,
          --migration-*, -o max_idle_threads=, norace, allow_root.
        Errors in the command line exit with status 2.
        """
}
