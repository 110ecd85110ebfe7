import Glibc

extension Subprocess {
    /// Absolute path of a program: a path is checked as it is, a name is looked up in PATH and
    /// then the sbin directories (the harness runs host tools such as sshd and mkfs); nil if none.
    public static func which(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"] {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// posix_spawn into a new process group with default signal handling; stdin from `stdin`
    /// (or /dev/null), stdout and stderr to `stdout`; descriptors above 2 are not inherited
    /// unless `closeOthers` is false.
    static func spawn(_ arguments: [String], stdin: Int32?, stdout: Int32,
                      environment: [String: String]?, closeOthers: Bool) throws(SubprocessError) -> pid_t {
        guard let program = arguments.first else { throw SubprocessError(.spawn, "", "empty command") }
        guard let path = which(program) else { throw SubprocessError(.notFound, program) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stdout, 2)
        if closeOthers, let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var envp: [UnsafeMutablePointer<CChar>?] = environmentStrings(merging: environment).map { strdup($0) } + [nil]
        defer { for p in envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, &attr, &argv, &envp)
        guard rc == 0 else { throw SubprocessError(.spawn, path, cause: SystemCallError("posix_spawn", errno: rc)) }
        return child
    }

    /// This process's environment with `overrides` applied.
    static func environmentStrings(merging overrides: [String: String]?) -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            let key = String(s.prefix(while: { $0 != "=" }))
            if let overrides, let value = overrides[key] {
                out.append("\(key)=\(value)")
            } else {
                out.append(s)
            }
            seen.insert(key)
            p += 1
        }
        for (key, value) in (overrides ?? [:]).sorted(by: { $0.key < $1.key }) where !seen.contains(key) {
            out.append("\(key)=\(value)")
        }
        return out
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift's Glibc module does
    /// not declare (it is a GNU extension): found by name so no descriptor above 2 leaks into a
    /// child (a daemon holding a test's socket would keep it open).
    nonisolated(unsafe) static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
    }()

    /// A pipe with both ends close-on-exec (pipe2 is a GNU extension Swift's Glibc does not declare).
    static func makePipe() -> [Int32]? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return fds
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
