import Foundation
import Glibc

/// Runs a host tool with a deadline and captures its output. Shared by the image builder and
/// the harness (qemu-img, ssh, mmdebstrap, apt-get); never goes through a shell.
public struct HostCommand: Sendable {
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
        public let timedOut: Bool
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

    /// Absolute path of a program on PATH, or nil.
    public static func which(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        let dirs: [String] = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for dir in dirs {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs to completion or until `timeout` seconds pass (then SIGTERM, 2 s grace, SIGKILL).
    /// stdout and stderr are merged; when `logTo` is set they go to that file instead of memory.
    public func run(timeout: Double, logTo: String? = nil) throws(ImageError) -> Result {
        guard let path = HostCommand.which(executable) else {
            throw ImageError(.command, "\(executable) not found on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let pipe = Pipe()
        var logHandle: FileHandle?
        if let logTo {
            FileManager.default.createFile(atPath: logTo, contents: nil)
            logHandle = FileHandle(forWritingAtPath: logTo)
            process.standardOutput = logHandle
            process.standardError = logHandle
        } else {
            process.standardOutput = pipe
            process.standardError = pipe
        }
        let inputPipe = Pipe()
        process.standardInput = standardInput == nil ? FileHandle.nullDevice : inputPipe
        do { try process.run() } catch {
            throw ImageError(.command, "cannot start \(path): \(error)")
        }
        if let standardInput {
            inputPipe.fileHandleForWriting.write(standardInput)
            try? inputPipe.fileHandleForWriting.close()
        }
        // Read output on a separate thread so a chatty child never blocks on a full pipe.
        let collected = OutputBox()
        let reader = Thread {
            if logTo == nil { collected.set(pipe.fileHandleForReading.readDataToEndOfFile()) }
        }
        reader.start()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(process.processIdentifier, SIGTERM)
                let grace = Date().addingTimeInterval(2)
                while process.isRunning && Date() < grace { usleep(50_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        if logTo == nil { collected.waitFilled() }
        try? logHandle?.close()
        let text = String(decoding: collected.get(), as: UTF8.self)
        return Result(status: process.terminationStatus, output: text, timedOut: timedOut)
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

/// Hands output from the reader thread to the caller.
private final class OutputBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var data = Data()
    private var filled = false

    func set(_ value: Data) {
        condition.lock()
        data = value
        filled = true
        condition.broadcast()
        condition.unlock()
    }

    func waitFilled() {
        condition.lock()
        while !filled { condition.wait() }
        condition.unlock()
    }

    func get() -> Data {
        condition.lock()
        defer { condition.unlock() }
        return data
    }
}
