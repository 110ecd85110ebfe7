import CShims
import Glibc

/// A failure while setting straitd up (not a command-line error): logged, exit status 1.
struct StartupError: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) { self.message = message }

    /// The calling thread's errno appended to `what`.
    static func system(_ what: String) -> StartupError {
        let code = errno
        return StartupError("\(what): \(String(cString: strerror(code))) (errno \(code))")
    }

    var description: String { message }
}

/// Glibc's Swift overlay lacks O_PATH (it is behind _GNU_SOURCE); the shim exports it.
let O_PATH: Int32 = strait_O_PATH
