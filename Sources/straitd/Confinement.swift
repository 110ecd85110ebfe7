import CShims
import DaemonOptions
import Glibc
import Logging

/// What straitd gives up before it serves the first request, after the sandbox and the shared
/// directory are set up: capabilities beyond those serving needs (bounding set emptied),
/// new privileges through exec, and every system call outside its allowlist.
enum Confinement {
    static func apply(capabilities: Set<Int>, seccomp: SeccompMode, syslog: Bool, logger: Logger)
        throws(StartupError)
    {
        let keep = capabilities.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) }
        guard strait_limit_capabilities(keep) == 0 else { throw .system("dropping capabilities") }
        guard strait_no_new_privs() == 0 else { throw .system("PR_SET_NO_NEW_PRIVS") }
        let action: Int32
        switch seccomp {
        case .none:
            logger.warning("no seccomp filter (--seccomp=none): every system call is open to a compromised daemon")
            return
        case .kill: action = 1
        case .log: action = 2
        case .trap: action = 3
        }
        let result = strait_install_seccomp(action, syslog ? 1 : 0)
        // With TSYNC a positive result names a thread that could not take the filter.
        guard result == 0 else {
            if result > 0 { throw StartupError("seccomp: thread \(result) could not take the filter") }
            throw .system("installing the seccomp filter")
        }
        logger.debug("confined", metadata: [
            "capabilities": "0x\(String(strait_effective_capabilities(), radix: 16))",
            "seccomp": "\(seccomp)", "syscalls": "\(strait_seccomp_allowlist_count())",
        ])
    }
}
