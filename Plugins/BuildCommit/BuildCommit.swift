import Foundation
import PackagePlugin

/// Gives its target `BuildCommit.value`, the commit the package is built from, through
/// scripts/build-commit.sh. A prebuild command runs before every build (a build command would
/// run only when its declared inputs change, and HEAD moving is no input SwiftPM sees), and the
/// script rewrites the file only when the commit changes.
@main
struct BuildCommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("Generated")
        return [.prebuildCommand(
            displayName: "Recording the build commit of \(target.name)",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: [package.appendingPathComponent("scripts/build-commit.sh").path, package.path, output.path],
            outputFilesDirectory: output)]
    }
}
