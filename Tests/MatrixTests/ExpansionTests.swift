import Testing
@testable import Matrix

@Suite struct ExpansionTests {
    let big = """
        axes:
          backend: [straitd, virtiofsd-c, 9p]
          cache: [none, auto, always, mmap, loose]
          dax: [off, on]
          processing: [inline, "pool:16", "auto:4"]
        workloads: {tar: {files: 10}}
        """

    @Test func productMinusInvalidCombinations() throws {
        let e = try Matrix.parse(yaml: big).expand()
        // straitd 3 caches x 2 dax x 3 processing; C virtiofsd has no auto-switch: 3 x 2 x 2;
        // 9p collapses processing and has no DAX: 3 caches.
        #expect(e.cells.count == 18 + 12 + 3)
        #expect(e.cells.filter { $0.backend == .ninep }.map(\.id) == ["9p-none", "9p-mmap", "9p-loose"])
        let reasons = Dictionary(e.dropped.map { ($0.cell.id, $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(reasons["9p-auto"]?.contains("not a 9p cache mode") == true)
        #expect(reasons["straitd-mmap-inline"]?.contains("not a straitd cache mode") == true)
        #expect(reasons["9p-none-dax"]?.contains("DAX applies to virtio-fs") == true)
        #expect(reasons["virtiofsd-c-auto-auto4x16"]?.contains("auto-switch") == true)
        #expect(Set(e.cells.map(\.id)).count == e.cells.count)
    }

    @Test func excludesAndIncludes() throws {
        let yaml = """
            axes:
              backend: [straitd, virtiofsd-c]
              cache: [none, auto, always]
            exclude:
              - backend: virtiofsd-c
                cache: [auto, always]
            include:
              - {backend: straitd, cache: auto, processing: "pool:8"}
              - {backend: 9p, cache: auto}
            workloads: {tar: {files: 10}}
            """
        let e = try Matrix.parse(yaml: yaml).expand()
        #expect(e.cells.map(\.id) == [
            "straitd-none-inline", "straitd-auto-inline", "straitd-always-inline", "virtiofsd-c-none-inline",
            "straitd-auto-pool8",
        ])
        let excluded = e.dropped.filter { $0.reason.contains("excluded by the rule at line 5") }
        #expect(excluded.count == 2)
        #expect(e.dropped.contains { $0.cell.id == "9p-auto" && $0.reason.hasPrefix("include:") })
    }

    @Test func filterByAnyAxis() throws {
        let e = try Matrix.parse(yaml: big).expand()
        let one = e.filtered(by: try CellFilter.parse("backend=straitd,cache=auto"))
        #expect(one.cells.count == 6)
        #expect(one.cells.allSatisfy { $0.backend == .straitd && $0.cache == "auto" })
        let alt = e.filtered(by: try CellFilter.parse("backend=straitd|virtiofsd-c,dax=on,processing=pool:16"))
        #expect(alt.cells.map(\.id) == [
            "straitd-none-dax-pool16", "straitd-auto-dax-pool16", "straitd-always-dax-pool16",
            "virtiofsd-c-none-dax-pool16", "virtiofsd-c-auto-dax-pool16", "virtiofsd-c-always-dax-pool16",
        ])
        let ninep = e.filtered(by: try CellFilter.parse("processing=none"))
        #expect(ninep.cells.count == 3)
        let byID = e.filtered(by: try CellFilter.parse("id=9p-loose"))
        #expect(byID.cells.count == 1)
        // What a run document records: sorted, in --filter syntax, and it parses back to itself.
        #expect(alt.cells.isEmpty == false)
        let parsed = try CellFilter.parse("processing=pool:16,backend=virtiofsd-c|straitd,dax=on")
        #expect(parsed.text == "backend=straitd|virtiofsd-c,dax=on,processing=pool:16")
        #expect(try CellFilter.parse(parsed.text) == parsed)
    }

    @Test func filterByWorkloadNarrowsWorkloads() throws {
        let m = try Matrix.load(path: Repo.matrix("smoke.yaml"))
        let e = m.expand().filtered(by: try CellFilter.parse("workload=seqwrite-psync|tar"))
        #expect(e.cells.count == 3)
        #expect(e.workloads.map(\.name) == ["seqwrite-psync", "tar"])
    }

    @Test func badFiltersAreErrors() {
        for text in ["colour=red", "backend", "backend=virtiofs", "dax=maybe", "processing=pool:x"] {
            #expect(throws: MatrixError.self, "\(text)") { try CellFilter.parse(text) }
        }
    }

    @Test func shippedMatricesParseAndExpand() throws {
        let smoke = try Matrix.load(path: Repo.matrix("smoke.yaml")).expand()
        #expect(smoke.cells.map(\.id) == ["straitd-none-inline", "straitd-auto-inline", "straitd-always-inline"])
        #expect(smoke.workloads.map(\.name) == ["randread-psync", "randread-libaio", "seqwrite-psync", "seqwrite-libaio", "tar"])

        let nightly = try Matrix.load(path: Repo.matrix("nightly.yaml")).expand()
        // straitd, C and Rust virtiofsd x 3 caches x 2 processing, 9p x 3, straitd auto-switch, native.
        #expect(nightly.cells.count == 6 + 6 + 6 + 3 + 1 + 1)
        #expect(nightly.cells.last?.id == "native")
        // 15 fio jobs, tar, meta.
        #expect(nightly.workloads.count == 15 + 1 + 1)

        let seed = try Matrix.load(path: Repo.matrix("seed-2021.yaml"))
        let expanded = seed.expand()
        // C virtiofsd and straitd: 3 caches x DAX off/on; 9p: none/mmap/loose; sshfs: none/auto.
        #expect(expanded.cells.count == 6 + 6 + 3 + 2)
        #expect(expanded.cells.filter { $0.dax == .on }.count == 6)
        #expect(expanded.workloads.count == 30 + 1)
        #expect(expanded.repetitions == 3)
        #expect(expanded.cells.first { $0.backend == .virtiofsdC }?.options == ["-o", "xattr"])
    }
}

@Suite struct ListingAndLabelTests {
    @Test func listingShowsCellsWorkloadsAndDrops() throws {
        let yaml = """
            axes:
              backend: [straitd, 9p]
              cache: [none, loose]
            backend-options:
              straitd: ["-o", "xattr"]
            workloads:
              fio: {patterns: [randread], engines: [psync, mmap]}
            repetitions: 3
            """
        let text = try Matrix.parse(yaml: yaml).expand().listing(title: "t")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "t: 3 cells x 2 workloads x 3 repetitions = 18 measurements")
        #expect(lines[2] == "CELL                 BACKEND  CACHE  DAX  PROCESSING  OPTIONS")
        #expect(lines[3] == "straitd-none-inline  straitd  none   off  inline      -o xattr")
        #expect(lines[4] == "9p-none              9p       none   off  -           -")
        #expect(lines[5] == "9p-loose             9p       loose  off  -           -")
        #expect(text.contains("workloads: randread-psync, randread-mmap\n"))
        #expect(text.contains("  straitd-loose-inline: cache=loose is not a straitd cache mode (none/auto/always)\n"))
    }

    @Test func labelledIncludesDifferOnlyInOptions() throws {
        let yaml = """
            axes: {backend: straitd, cache: auto}
            include:
              - {backend: straitd, cache: auto, options: ["-o", "xattr"], label: xattr}
              - {backend: straitd, cache: auto, options: ["-o", "no_posix_lock"]}
            workloads: {tar: true}
            """
        let e = try Matrix.parse(yaml: yaml).expand()
        #expect(e.cells.map(\.id) == ["straitd-auto-inline", "straitd-auto-inline-xattr"])
        #expect(e.cells[1].options == ["-o", "xattr"])
        #expect(e.dropped.count == 1)
        #expect(e.dropped.first?.reason.contains("give it a label") == true)
        let bad = "axes: {backend: straitd, cache: auto}\ninclude:\n  - {backend: straitd, cache: auto, label: \"a b\"}\nworkloads: {tar: true}\n"
        do {
            _ = try Matrix.parse(yaml: bad, file: "l.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.field == "include[0].label")
            #expect(error.line == 3)
        }
    }
}
