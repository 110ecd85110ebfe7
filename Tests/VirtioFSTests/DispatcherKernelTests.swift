import Dispatch
import FUSE
import Glibc
import Logging
import Passthrough
import Synchronization
import Testing

@testable import VirtioFS

/// The dispatcher behind a real kernel FUSE mount (/dev/fuse): the host kernel plays the guest
/// driver, so the wire protocol is checked against Linux itself, not against our own encoder.
/// Each request read from /dev/fuse becomes one readable segment; the reply is written back.
final class KernelMount: @unchecked Sendable {
    let mountpoint: String
    let shared: String
    let fuseFD: Int32
    let dispatcher: FuseDispatcher
    private let loopDone = Atomic<Bool>(false)
    static let bufferSize = (1 << 20) + 8192

    init(configure: (inout PassthroughConfig) -> Void = { _ in }) throws {
        mountpoint = try makeTempDir("strait-kmnt")
        shared = try makeTempDir("strait-kshared")
        var config = PassthroughConfig(root: shared, cache: .auto, xattr: true)
        configure(&config)
        let fs = try PassthroughFS(config: config)
        dispatcher = FuseDispatcher(fs: fs, config: config, dax: nil, logger: Logger(label: "kernel-test"))
        fuseFD = Glibc.open("/dev/fuse", O_RDWR | O_CLOEXEC)
        guard fuseFD >= 0 else { throw FSError(errno: errno, message: "open /dev/fuse") }
        let options = "fd=\(fuseFD),rootmode=40000,user_id=0,group_id=0,allow_other"
        guard Glibc.mount("strait", mountpoint, "fuse.strait", 0, options) == 0 else {
            let e = errno
            close(fuseFD)
            throw FSError(errno: e, message: "mount fuse")
        }
        DispatchQueue.global().async { [self] in serve() }
    }

    /// Reads requests until the connection ends (ENODEV after unmount).
    private func serve() {
        defer { loopDone.store(true, ordering: .releasing) }
        while true {
            let request = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 8)
            let n = Glibc.read(fuseFD, request.baseAddress, request.count)
            if n < 0 {
                request.deallocate()
                if errno == EINTR || errno == EAGAIN || errno == ENOENT { continue }
                return
            }
            let reply = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 8)
            let buffers = RequestBuffers(readable: [UnsafeRawBufferPointer(rebasing: request[0..<n])],
                                         writable: [reply])
            let fd = fuseFD
            let owned = OwnedBuffers(request: request, reply: reply)
            dispatcher.handle(buffers) { len in
                if len > 0 { _ = Glibc.write(fd, owned.reply.baseAddress, Int(len)) }
                owned.request.deallocate()
                owned.reply.deallocate()
            }
        }
    }

    /// Unmounts (lazily, so a stuck user cannot block us) and waits for the server loop to end.
    func shutdown() {
        _ = umount2(mountpoint, Int32(MNT_DETACH))
        let deadline = monotonicSeconds() + 10
        while !loopDone.load(ordering: .acquiring) && monotonicSeconds() < deadline { usleep(1000) }
        close(fuseFD)
        _ = rmdir(mountpoint)
        _ = try? run("rm -rf '\(shared)'")
    }
}

/// One request's buffers, alive until its completion runs (possibly on another thread).
struct OwnedBuffers: @unchecked Sendable {
    let request: UnsafeMutableRawBufferPointer
    let reply: UnsafeMutableRawBufferPointer
}

func makeTempDir(_ prefix: String) throws -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard let dir = template.withUnsafeMutableBufferPointer({ p in p.baseAddress.flatMap { mkdtemp($0) } }) else {
        throw FSError(errno: errno, message: "mkdtemp")
    }
    return String(cString: dir)
}

/// Runs a program with a deadline; on timeout it is killed (FUSE waits are killable).
func runWithTimeout(_ argv: [String], seconds: Double) -> (status: Int32, timedOut: Bool) {
    var pid: pid_t = 0
    var cargs = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    guard posix_spawnp(&pid, argv[0], nil, nil, &cargs, environ) == 0 else { return (-1, false) }
    let deadline = monotonicSeconds() + seconds
    var status: Int32 = 0
    while monotonicSeconds() < deadline {
        if waitpid(pid, &status, WNOHANG) == pid { return (status, false) }
        usleep(10_000)
    }
    kill(pid, SIGKILL)
    waitpid(pid, &status, 0)
    return (status, true)
}

@Suite(.serialized) struct DispatcherKernelTests {
    static var canMount: Bool { access("/dev/fuse", R_OK | W_OK) == 0 && geteuid() == 0 }
    static var hasPython: Bool { access("/usr/bin/python3", X_OK) == 0 }

    /// Cache modes as straitd offers them, plus writeback and plain READDIR.
    static let variants: [String] = ["none", "auto", "always", "auto+writeback", "always+noreaddirplus"]

    @Test(.enabled(if: canMount && hasPython, "needs root, /dev/fuse and /usr/bin/python3"), arguments: variants)
    func correctnessScriptThroughARealKernelMount(variant: String) throws {
        let mount: KernelMount
        do {
            mount = try KernelMount { c in
                let parts = variant.split(separator: "+").map(String.init)
                c.cache = CacheMode(parsing: parts[0]) ?? .auto
                c.writeback = parts.contains("writeback")
                c.readdirplus = !parts.contains("noreaddirplus")
            }
        } catch {
            // Containers without CAP_SYS_ADMIN refuse mount(2): that is an environment limit.
            withKnownIssue("mount(2) of a FUSE file system is not permitted here: \(error)") { throw error }
            return
        }
        defer { mount.shutdown() }
        let script = "/tmp/strait-kernel-check-\(getpid()).py"
        writeHost(script, Array(dispatcherKernelScript.utf8))
        defer { unlink(script) }
        let result = runWithTimeout(["/usr/bin/python3", script, mount.mountpoint, mount.shared], seconds: 120)
        #expect(!result.timedOut, "guest script hung")
        #expect(result.status == 0, "guest script failed (status \(result.status)); see its output above")
        #expect(mount.dispatcher.currentSession?.minor == 38)
        #expect(mount.dispatcher.waitingLocks == 0)
    }
}
