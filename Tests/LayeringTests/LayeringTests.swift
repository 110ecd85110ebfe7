import Foundation
import Testing

/// The layering rules of docs/architecture.md, checked against the tree: every target declares
/// exactly the modules it imports; daemon modules import neither Foundation nor Dispatch; harness
/// modules import no daemon module; the shared modules beneath both wings import neither; no two
/// public types share a name.
struct LayeringTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// Modules of the toolchain, not of the package.
    static let system: Set<String> = ["Glibc", "Synchronization", "Foundation", "FoundationEssentials", "FoundationXML",
                                      "Dispatch", "Testing"]
    static let daemon: Set<String> = ["VhostUser", "VirtioFS", "Passthrough", "FUSE", "Wire", "DaemonOptions", "straitd"]
    static let harness: Set<String> = ["Libvirt", "GuestImage", "Harness", "Matrix", "Results", "Reports",
                                       "Runner", "strait"]
    /// Beneath both wings (Stats too: the harness's reports and strait-load share it).
    static let shared: Set<String> = ["Posix", "DaemonLaunch", "Stats"]
    /// Between the wings: the frontend, its fuzzers, the load tool, and the in-process fuzz
    /// targets (they may import daemon modules, never the harness).
    static let bridge: Set<String> = ["VhostUserDriver", "VhostUserFuzz", "strait-load", "FuzzTargets", "strait-fuzz"]
    static let foundationLike: Set<String> = ["Foundation", "FoundationEssentials", "FoundationXML", "Dispatch"]

    struct Target {
        let name: String
        let isTest: Bool
        let dependencies: Set<String>
    }

    /// The targets of Package.swift with their declared dependencies (module names: a product's
    /// name is its module's here).
    static func targets() throws -> [Target] {
        let text = try String(contentsOfFile: root + "/Package.swift", encoding: .utf8)
        var out: [Target] = []
        let kinds = [".target(", ".executableTarget(", ".testTarget("]
        var rest = Substring(text)
        while let start = kinds.compactMap({ rest.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            let isTest = rest[start].hasPrefix(".testTarget(")
            // The call's text: up to its balanced closing parenthesis.
            var depth = 0
            var end = start.upperBound
            var i = start.lowerBound
            while i < rest.endIndex {
                if rest[i] == "(" { depth += 1 }
                if rest[i] == ")" { depth -= 1; if depth == 0 { end = rest.index(after: i); break } }
                i = rest.index(after: i)
            }
            let call = String(rest[start.lowerBound..<end])
            rest = rest[end...]
            guard let name = firstMatch(#"name: "([^"]+)""#, in: call) else { continue }
            var deps: Set<String> = []
            if let open = call.range(of: "dependencies: [") {
                var depth = 1
                var j = open.upperBound
                while j < call.endIndex && depth > 0 {
                    if call[j] == "[" { depth += 1 }
                    if call[j] == "]" { depth -= 1 }
                    j = call.index(after: j)
                }
                var body = String(call[open.upperBound..<j])
                deps.formUnion(allMatches(#"\.product\(name: "([^"]+)""#, in: body))
                body = body.replacingOccurrences(of: #"\.product\([^)]*\)"#, with: "", options: .regularExpression)
                deps.formUnion(allMatches(#""([^"]+)""#, in: body))
            }
            out.append(Target(name: name, isTest: isTest, dependencies: deps))
        }
        return out
    }

    /// Modules imported by the Swift files under `directory` (whole-line import declarations).
    static func imports(under directory: String) -> Set<String> {
        var out: Set<String> = []
        guard let files = FileManager.default.enumerator(atPath: directory) else { return out }
        for case let file as String in files where file.hasSuffix(".swift") {
            guard let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                if let module = firstMatch(#"^(?:@testable )?import (\w+)\s*$"#, in: String(line)) { out.insert(module) }
            }
        }
        return out
    }

    static func sourceImports(_ target: String) -> Set<String> { imports(under: root + "/Sources/" + target) }

    static func firstMatch(_ pattern: String, in text: String) -> String? { allMatches(pattern, in: text).first }

    static func allMatches(_ pattern: String, in text: String) -> [String] {
        guard let re = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) else { return [] }
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test func declaredDependenciesEqualTheImports() throws {
        let targets = try Self.targets()
        #expect(targets.count > 20, "Package.swift not parsed: \(targets.map(\.name))")
        for t in targets {
            let imported = Self.imports(under: Self.root + (t.isTest ? "/Tests/" : "/Sources/") + t.name).subtracting(Self.system)
            #expect(t.dependencies == imported, """
                \(t.name): declared but not imported \(t.dependencies.subtracting(imported).sorted()), \
                imported but not declared \(imported.subtracting(t.dependencies).sorted())
                """)
        }
    }

    @Test func daemonModulesImportNeitherFoundationNorDispatch() {
        for module in Self.daemon.union(Self.shared) {
            let bad = Self.sourceImports(module).intersection(Self.foundationLike)
            #expect(bad.isEmpty, "\(module) imports \(bad.sorted())")
        }
    }

    @Test func harnessModulesImportNoDaemonModule() {
        for module in Self.harness {
            let bad = Self.sourceImports(module).intersection(Self.daemon)
            #expect(bad.isEmpty, "\(module) imports daemon modules \(bad.sorted())")
        }
    }

    @Test func bridgeModulesImportNoHarnessModule() {
        for module in Self.bridge {
            let bad = Self.sourceImports(module).intersection(Self.harness)
            #expect(bad.isEmpty, "\(module) imports harness modules \(bad.sorted())")
        }
    }

    @Test func daemonModulesImportNoHarnessModule() {
        for module in Self.daemon.union(Self.shared) {
            let bad = Self.sourceImports(module).intersection(Self.harness.union(Self.bridge))
            #expect(bad.isEmpty, "\(module) imports \(bad.sorted())")
        }
    }

    @Test func sharedModulesStandBeneathBothWings() {
        for module in Self.shared {
            let bad = Self.sourceImports(module).subtracting(Self.system).subtracting(Self.shared)
            #expect(bad.isEmpty, "\(module) imports \(bad.sorted())")
        }
    }

    @Test func everyModuleIsClassified() throws {
        let sources = try Self.targets().filter { !$0.isTest }.map(\.name)
        let known = Self.daemon.union(Self.harness).union(Self.shared).union(Self.bridge).union(["CShims"])
        #expect(Set(sources).subtracting(known).isEmpty, "unclassified modules: \(Set(sources).subtracting(known).sorted())")
    }

    @Test func noTwoPublicTypesShareAName() throws {
        var seen: [String: String] = [:]
        let sources = Self.root + "/Sources"
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources)
        for module in modules.sorted() {
            guard let files = FileManager.default.enumerator(atPath: sources + "/" + module) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOfFile: sources + "/" + module + "/" + file, encoding: .utf8)
                let pattern = #"^public (?:final )?(?:class|struct|enum|protocol|actor) (\w+)"#
                for name in Self.allMatches(pattern, in: text) {
                    if let other = seen[name], other != module {
                        Issue.record("public type \(name) is declared in both \(other) and \(module)")
                    }
                    seen[name] = module
                }
            }
        }
    }
}
