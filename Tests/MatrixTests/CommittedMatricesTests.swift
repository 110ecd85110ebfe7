import Foundation
import Testing
@testable import Matrix

/// Every committed matrix parses and expands to at least one cell and one workload, and its quick
/// profile (when it has one) keeps the same cells and workload names with smaller numbers.
@Suite struct CommittedMatricesTests {
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: Repo.root.appendingPathComponent("matrices").path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test func theRepositoryHasTheSeedMatrices() {
        for name in ["smoke", "nightly", "seed-2019-v3", "seed-2020-cache-modes", "seed-2021", "seed-2021-autoswitch",
                     "seed-2022-sshfs", "lima-2022-tar", "sshfs", "libaio-qd16"] {
            #expect(Self.files.contains(name + ".yaml"), "matrices/\(name).yaml missing")
        }
    }

    @Test(arguments: files)
    func parsesAndExpands(_ file: String) throws {
        let matrix = try Matrix.load(path: Repo.matrix(file))
        let expansion = matrix.expand()
        // A host-speed-only matrix (`load:`, no axes) has its cells in the load layer instead.
        let loadOnly = matrix.load != nil && matrix.backends.isEmpty
        #expect(loadOnly || !expansion.cells.isEmpty, "\(file) expands to no cells")
        #expect(loadOnly || !expansion.workloads.isEmpty)
        if let load = matrix.load { #expect(!load.workloads.isEmpty && !load.backends.isEmpty) }
        #expect(Set(expansion.cells.map(\.id)).count == expansion.cells.count, "\(file): duplicate cell ids")
        if let quick = matrix.quickened() {
            let short = quick.expand()
            #expect(quick.name == matrix.name + "-quick")
            #expect(short.cells == expansion.cells)
            #expect(short.workloads.map(\.name) == expansion.workloads.map(\.name))
            #expect(CellCost.seconds(short.cells[0], workloads: short.workloads, repetitions: short.repetitions)
                    < CellCost.seconds(expansion.cells[0], workloads: expansion.workloads, repetitions: expansion.repetitions))
        }
    }

    /// The seed reproductions each have a quick profile for CI.
    @Test func reproductionsHaveQuickProfiles() throws {
        for name in ["seed-2019-v3", "seed-2020-cache-modes", "seed-2021-autoswitch", "seed-2022-sshfs", "lima-2022-tar"] {
            #expect(try Matrix.load(path: Repo.matrix(name + ".yaml")).quickened() != nil, "\(name) has no quick:")
        }
    }

    @Test func quickAndMixFieldsAreChecked() throws {
        let base = "axes: {backend: [straitd], cache: [auto]}\nworkloads: {fio: {patterns: [randrw], engines: [libaio], rw-mix-read: 70}}\n"
        let m = try Matrix.parse(yaml: base + "quick: {size: 8M, runtime: 2, repetitions: 1}")
        guard case .fio(let job) = m.workloads[0], case .fio(let short) = m.quickened()!.workloads[0] else { Issue.record("no fio"); return }
        #expect(job.rwMixRead == 70 && job.jobFile(directory: "/d").contains("rwmixread=70"))
        #expect(short.size == "8M" && short.runtime == 2)
        #expect(throws: MatrixError.self) { try Matrix.parse(yaml: base + "quick: {sizes: 8M}") }
        #expect(throws: MatrixError.self) { try Matrix.parse(yaml: base.replacingOccurrences(of: "70", with: "170")) }
    }
}
