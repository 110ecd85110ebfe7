import Testing
@testable import Matrix

@Suite struct MatrixParseTests {
    /// Parses `yaml` expecting failure; returns the error.
    func failure(_ yaml: String) -> MatrixError? {
        do {
            _ = try Matrix.parse(yaml: yaml, file: "bad.yaml")
            return nil
        } catch {
            return error
        }
    }

    let valid = """
        name: t
        axes:
          backend: [straitd, 9p]
          cache: [none, auto]
        workloads:
          fio:
            patterns: [randread]
            engines: [psync]
        """

    @Test func parsesAMinimalMatrix() throws {
        let m = try Matrix.parse(yaml: valid, file: "t.yaml")
        #expect(m.name == "t")
        #expect(m.backends == [.straitd, .ninep])
        #expect(m.caches == ["none", "auto"])
        #expect(m.dax == [.off])
        #expect(m.processing == [.inline])
        #expect(m.repetitions == 1)
        #expect(m.workloads.map(\.name) == ["randread-psync"])
    }

    @Test func unknownBackendNamesLineColumnAndField() throws {
        let e = try #require(failure("""
            name: t
            axes:
              backend: [straitd, virtiofs]
              cache: [none]
            workloads: {tar: {files: 10}}
            """))
        #expect(e.code == .invalidValue)
        #expect(e.file == "bad.yaml")
        #expect(e.line == 3)
        #expect(e.column == 22)
        #expect(e.field == "axes.backend[1]")
        #expect(e.description.hasPrefix("bad.yaml:3:22: axes.backend[1]: 'virtiofs' is not a backend"))
    }

    @Test func misspelledFieldIsAnError() throws {
        let e = try #require(failure(valid + "\nrepetitons: 3\n"))
        #expect(e.code == .unknownField)
        #expect(e.line == 9)
        #expect(e.field == "repetitons")
    }

    @Test func wrongTypeOnRepetitions() throws {
        let e = try #require(failure(valid + "\nrepetitions: three\n"))
        #expect(e.code == .wrongType)
        #expect(e.line == 9)
        #expect(e.column == 14)
        #expect(e.field == "repetitions")
    }

    @Test func syntaxErrorCarriesTheScannerMark() throws {
        let e = try #require(failure("""
            name: t
            axes:
              backend: [straitd
              cache: [none]
            """))
        #expect(e.code == .syntax)
        #expect(e.file == "bad.yaml")
        #expect(e.line == 4)
    }

    @Test func missingAxesPointsAtTheDocument() throws {
        let e = try #require(failure("name: t\nworkloads: {tar: {files: 5}}\n"))
        #expect(e.code == .missingField)
        #expect(e.field == "axes")
        #expect(e.line == 1)
    }

    @Test func missingEnginesPointsAtTheFioMapping() throws {
        let e = try #require(failure("""
            axes: {backend: straitd, cache: none}
            workloads:
              fio:
                patterns: [randread]
                size: 1M
            """))
        #expect(e.code == .missingField)
        #expect(e.field == "workloads.fio.engines")
        #expect(e.line == 4)
    }

    @Test func badSizeAndBadTolerance() throws {
        let size = try #require(failure(valid + "\n    size: lots\n"))
        #expect(size.field == "workloads.fio.size")
        #expect(size.line == 9)
        let tol = try #require(failure(valid + "\ntolerances:\n  bandwidth: 5%\n"))
        #expect(tol.code == .unknownField)
        #expect(tol.field == "tolerances.bandwidth")
        #expect(tol.line == 10)
        let pct = try #require(failure(valid + "\ntolerances:\n  bw: five\n"))
        #expect(pct.code == .invalidValue)
        #expect(pct.line == 10)
    }

    @Test func duplicateKeysAreRejected() throws {
        let e = try #require(failure(valid + "\nname: again\n"))
        #expect(e.code == .duplicateKey)
        #expect(e.line == 9)
        #expect(e.field == "name")
    }

    @Test func badProcessingAndEmptyAxis() throws {
        let p = try #require(failure("""
            axes:
              backend: straitd
              cache: none
              processing: [inline, "pool:0"]
            workloads: {tar: {files: 5}}
            """))
        #expect(p.field == "axes.processing[1]")
        #expect(p.line == 4)
        let empty = try #require(failure("axes:\n  backend: []\n  cache: none\nworkloads: {tar: true}\n"))
        #expect(empty.code == .emptyAxis)
        #expect(empty.line == 2)
    }

    @Test func gateRepetitionsDefaultAndMinimum() throws {
        #expect(try Matrix.parse(yaml: valid).gateRepetitions == 4)
        #expect(try Matrix.parse(yaml: valid + "\nrepetitions: 6\n").gateRepetitions == 6)
        #expect(try Matrix.parse(yaml: valid + "\ngate-repetitions: 8\n").gateRepetitions == 8)
        let e = try #require(failure(valid + "\ngate-repetitions: 3\n"))
        #expect(e.field == "gate-repetitions")
        #expect(e.message == "must be at least 4, got 3")
        #expect(try Matrix.load(path: Repo.matrix("smoke.yaml")).gateRepetitions == 4)
    }

    @Test func valuesListedTwiceAreErrors() throws {
        let e = try #require(failure("axes:\n  backend: straitd\n  cache: [none, auto, none]\nworkloads: {tar: true}\n"))
        #expect(e.code == .duplicateKey)
        #expect(e.field == "axes.cache[2]")
        #expect(e.line == 3)
        #expect(e.column == 23)
    }

    @Test func tarTrueFalseAndMapping() throws {
        let head = "axes: {backend: straitd, cache: none}\nworkloads:\n  fio: {patterns: [randread], engines: [psync]}\n"
        #expect(try Matrix.parse(yaml: head + "  tar: true\n").workloads.map(\.name) == ["randread-psync", "tar"])
        #expect(try Matrix.parse(yaml: head + "  tar: false\n").workloads.map(\.name) == ["randread-psync"])
        let tar = try Matrix.parse(yaml: head + "  tar: {files: 300, seed: 7}\n").workloads.last
        #expect(tar == .tar(TarWorkload(files: 300, seed: 7)))
        let bad = try #require(failure(head + "  tar: maybe\n"))
        #expect(bad.field == "workloads.tar")
        #expect(bad.line == 4)
    }

    @Test func tolerancesResolveByNameThenKindThenDefault() throws {
        let m = try Matrix.parse(yaml: valid + "\ntolerances:\n  default: 7%\n  bw: 0.2\n  write.bw: 30%\n")
        #expect(m.tolerances.fraction(for: "read.bw") == 0.2)
        #expect(m.tolerances.fraction(for: "write.bw") == 0.3)
        #expect(m.tolerances.fraction(for: "read.iops") == 0.07)
    }

    @Test func loadNamesTheFileOnIOErrors() {
        #expect(throws: MatrixError.self) { try Matrix.load(path: "/nonexistent/m.yaml") }
    }
}
