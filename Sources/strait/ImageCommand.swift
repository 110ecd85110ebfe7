import ArgumentParser
import Foundation
import GuestImage

struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Build or look up guest images.",
        subcommands: [Build.self, Path.self])

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Build RECIPE's image (or reuse the cached one).")
        @Flag(help: "Rebuild even when a cached image matches.") var force = false
        @Argument(help: "Recipe file, e.g. images/debian-bookworm.yaml.") var recipe: String

        func run() throws {
            let started = Date()
            let recipe = try Recipe.load(path: recipe)
            let image = try ImageStore().image(for: recipe, force: force)
            print("image: \(image.directory)")
            print("kernel: \(image.kernelVersion)  hash: \(image.hash.prefix(16))  built in \(String(format: "%.0f", image.buildSeconds)) s")
            print("took: \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the cached image directory for RECIPE (exit 1 if not built).")
        @Argument var recipe: String

        func run() throws {
            let found = try ImageStore().lookup(try Recipe.load(path: recipe))
            guard found.image != nil else {
                print("not built: \(found.directory)")
                throw ExitCode(1)
            }
            print(found.directory)
        }
    }
}
