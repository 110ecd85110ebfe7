import Testing
@testable import Matrix

@Suite struct MetaWorkloadTests {
    @Test func parsesWithDefaultsAndQuickScalesTheTree() throws {
        let base = "axes: {backend: [native, straitd], cache: [none, auto]}\n"
        let m = try Matrix.parse(yaml: base + "workloads: {meta: true}\nquick: {files: 700}")
        #expect(m.workloads == [.meta(MetaWorkload(files: 70_000, directories: 7_000))])
        #expect(m.workloads[0].resultNames == ["meta-create", "meta-find", "meta-status", "meta-rm"])
        #expect(m.quickened()!.workloads == [.meta(MetaWorkload(files: 700, directories: 70))])
        let sized = try Matrix.parse(yaml: base + "workloads: {meta: {files: 100, directories: 10}}")
        #expect(sized.workloads == [.meta(MetaWorkload(files: 100, directories: 10))])
        #expect(throws: MatrixError.self) { try Matrix.parse(yaml: base + "workloads: {meta: {files: 10, directories: 20}}") }
        #expect(throws: MatrixError.self) { try Matrix.parse(yaml: base + "workloads: {meta: {file: 10}}") }
    }
}
