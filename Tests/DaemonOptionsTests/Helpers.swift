import DaemonOptions
import Passthrough
import VirtioFS

/// Parses argv that must yield a run configuration.
func configuration(_ arguments: [String]) throws -> DaemonConfiguration {
    guard case .run(let config) = try DaemonCommand.parse(arguments) else {
        throw OptionsError(.invalidValue, "expected a run command for \(arguments)")
    }
    return config
}

/// The error argv produces, nil if it parses.
func parseError(_ arguments: [String]) -> OptionsError? {
    do throws(OptionsError) {
        _ = try DaemonCommand.parse(arguments)
        return nil
    } catch {
        return error
    }
}
