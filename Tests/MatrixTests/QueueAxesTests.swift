import Matrix
import Testing

/// The VM-side axes (vmm, image, queues): parsing, cell ids, filters, what cannot combine, and
/// reading the guest's and straitd's evidence of the queues in use.
struct QueueAxesTests {
    static let yaml = """
        axes:
          backend: [straitd, virtiofsd-c, 9p]
          cache: [auto, loose]
          vmm: [default, qemu-11]
          image: [default, debian-trixie]
          queues: [1, 4]
        workloads:
          fio: {patterns: [randread], engines: [libaio], size: 8M, runtime: 2}
        """

    @Test func axesMultiplyAndDefaultsKeepTheOldIDs() throws {
        let e = try Matrix.parse(yaml: Self.yaml).expand()
        let ids = Set(e.cells.map(\.id))
        // The defaults add nothing to an id, so documents and history of older runs still match.
        #expect(ids.contains("straitd-auto-inline"))
        #expect(ids.contains("straitd-auto-inline-q4-qemu-11-debian-trixie"))
        #expect(ids.contains("virtiofsd-c-auto-inline-q4"))
        // 9p has no request queues: it collapses across the axis (vmm x image only).
        #expect(e.cells.filter { $0.backend == .ninep }.count == 4)
        #expect(!ids.contains { $0.hasPrefix("9p") && $0.contains("-q4") })
        #expect(e.cells.count == 2 * 2 * 2 * 2 + 4)
        let cell = try #require(e.cells.first { $0.id == "straitd-auto-inline-q4-qemu-11-debian-trixie" })
        #expect(cell.requestQueues == 4 && cell.vmm == .qemu11 && cell.image == "debian-trixie")
        #expect(cell.needsQEMU11)
        #expect(cell.value(of: .queues) == "4" && cell.value(of: .vmm) == "qemu-11" && cell.value(of: .image) == "debian-trixie")
        let plain = try #require(e.cells.first { $0.id == "straitd-auto-inline" })
        #expect(plain.vmm == nil && plain.image == nil && plain.queues == nil && !plain.needsQEMU11)
        #expect(plain.value(of: .vmm) == "default" && plain.value(of: .image) == "default" && plain.value(of: .queues) == "1")
    }

    @Test func filtersAndRulesTakeTheNewAxes() throws {
        let e = try Matrix.parse(yaml: Self.yaml).expand()
        let q = e.filtered(by: try CellFilter.parse("queues=4,vmm=qemu-11,image=debian-trixie"))
        #expect(q.cells.map(\.id).sorted() == ["straitd-auto-inline-q4-qemu-11-debian-trixie", "virtiofsd-c-auto-inline-q4-qemu-11-debian-trixie"])
        #expect(throws: MatrixError.self) { try CellFilter.parse("vmm=qemu-9") }
        #expect(throws: MatrixError.self) { try CellFilter.parse("queues=zero") }
        let excluded = try Matrix.parse(yaml: Self.yaml + "\nexclude:\n  - {backend: [virtiofsd-c], queues: [4]}\n").expand()
        #expect(!excluded.cells.contains { $0.backend == .virtiofsdC && $0.requestQueues == 4 })
        let included = try Matrix.parse(yaml: """
            axes: {backend: [straitd], cache: [auto]}
            include:
              - {backend: straitd, cache: auto, queues: 2, vmm: qemu-11, image: debian-trixie}
            workloads: {tar: true}
            """).expand()
        #expect(included.cells.map(\.id) == ["straitd-auto-inline", "straitd-auto-inline-q2-qemu-11-debian-trixie"])
    }

    @Test func badValuesAreErrors() {
        for bad in ["queues: [0]", "queues: [17]", "queues: [two]", "vmm: [qemu-7]", "image: [../etc/x]", "queues: [2, 2]"] {
            let yaml = "axes:\n  backend: [straitd]\n  cache: [auto]\n  \(bad)\nworkloads: {tar: true}\n"
            #expect(throws: MatrixError.self, "\(bad)") { try Matrix.parse(yaml: yaml) }
        }
    }

    @Test func queuesAndDaxDoNotCombine() throws {
        let e = try Matrix.parse(yaml: """
            axes: {backend: [straitd], cache: [auto], dax: [off, on], queues: [1, 2]}
            workloads: {tar: true}
            """).expand()
        #expect(e.cells.map(\.id).sorted() == ["straitd-auto-dax-inline", "straitd-auto-inline", "straitd-auto-inline-q2"])
        #expect(e.dropped.contains { $0.cell.id == "straitd-auto-dax-inline-q2" })
    }

    @Test func peersWithSeveralQueuesAreUnsupportedNotRun() {
        #expect(Cell(backend: .virtiofsdC, cache: "auto", queues: 2).queuesUnsupportedReason != nil)
        #expect(Cell(backend: .virtiofsdRust, cache: "auto", queues: 4).queuesUnsupportedReason != nil)
        #expect(Cell(backend: .virtiofsdC, cache: "auto").queuesUnsupportedReason == nil)
        #expect(Cell(backend: .straitd, cache: "auto", queues: 4).queuesUnsupportedReason == nil)
    }

    @Test func guestInterruptsPerRequestQueue() throws {
        let out = """
            @@dev virtio3
             40:          0          0  PCI-MSIX-0000:00:1c.0   0-edge      virtio3-config
             41:          5          2  PCI-MSIX-0000:00:1c.0   1-edge      virtio3-hiprio
             42:       1200         30  PCI-MSIX-0000:00:1c.0   2-edge      virtio3-requests.0
             43:          7        950  PCI-MSIX-0000:00:1c.0   3-edge      virtio3-requests.1
             44:          0          0  PCI-MSIX-0000:00:1c.0   4-edge      virtio3-requests.2
            """
        let seen = try #require(Cell.requestQueueInterrupts(out))
        #expect(seen.device == "virtio3")
        #expect(seen.perQueue == [1230, 957, 0])
        // Before 6.9 the kernel does not say which device is the share.
        #expect(Cell.requestQueueInterrupts("@@dev \n") == nil)
        #expect(Cell.guestQueueCommand(tag: "fs1").contains("'fs1'"))
    }

    @Test func straitdRequestsPerQueue() {
        let log = """
            2026-11-28T09:00:00Z info straitd: [queue=0] queue 0 stopped: 3 requests served
            2026-11-28T09:00:00Z info straitd: [queue=1] queue 1 stopped: 500 requests served
            2026-11-28T09:00:00Z info straitd: [queue=2] queue 2 stopped: 420 requests served
            2026-11-28T09:00:01Z info straitd: [queue=1] queue 1 stopped: 7 requests served
            unrelated queue line
            """
        #expect(Cell.servedPerQueue(daemonLog: log) == [1: 507, 2: 420])
    }
}
