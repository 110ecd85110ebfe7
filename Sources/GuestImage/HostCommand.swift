import Foundation
import Posix

/// A host tool run to completion with a deadline, its output captured (qemu-img, ssh,
/// mmdebstrap, apt-get, git); never through a shell. A thin front for `Subprocess.run`, the one
/// process supervisor, that throws the image builder's error.
public struct HostCommand: Sendable {
    public struct Result: Sendable {
        /// The exit code (-1 when a signal ended the command).
        public let status: Int32
        public let output: String
        public let timedOut: Bool
        /// Stopped early because `abort` said so.
        public var aborted = false
        public var succeeded: Bool { status == 0 && !timedOut }
    }

    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]?
    public var standardInput: Data?

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: Data? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.standardInput = input
    }

    /// Absolute path of a program on PATH (or in the sbin directories), or nil.
    public static func which(_ name: String) -> String? { Subprocess.which(name) }

    /// Runs to completion or until `timeout` seconds pass (then the command's process tree gets
    /// SIGTERM, 2 s grace, SIGKILL). stdout and stderr are merged; when `logTo` is set they go to
    /// that file instead of memory. `abort` (asked a few times a second) stops it early the same way.
    public func run(timeout: Double, logTo: String? = nil, abort: (() -> Bool)? = nil) throws(ImageError) -> Result {
        do {
            let done = try Subprocess.run([executable] + arguments, environment: environment,
                                          input: standardInput.map { [UInt8]($0) }, timeout: timeout, logTo: logTo, abort: abort)
            return Result(status: done.code, output: done.output, timedOut: done.timedOut, aborted: done.aborted)
        } catch {
            throw ImageError(.command, "\(executable)", cause: error)
        }
    }

    /// Runs and throws unless the command exits 0 in time; returns its output.
    @discardableResult
    public func check(timeout: Double, what: String? = nil) throws(ImageError) -> String {
        let result = try run(timeout: timeout)
        guard result.succeeded else {
            let label = what ?? ([executable] + arguments).joined(separator: " ")
            let why = result.timedOut ? "timed out after \(Int(timeout)) s" : "exit \(result.status)"
            throw ImageError(.command, "\(label): \(why): \(result.output.suffix(2000))")
        }
        return result.output
    }
}
