import Testing
@testable import Matrix

@Suite struct ScheduleTests {
    let expansion = Expansion(
        cells: [Cell(backend: .straitd, cache: "none", processing: .inline), Cell(backend: .straitd, cache: "auto", processing: .inline)],
        dropped: [],
        workloads: [.fio(FioJob(pattern: .randread, engine: .psync)), .tar(TarWorkload())],
        repetitions: 2)

    @Test func gateAlternatesABBA() {
        let steps = Schedule.steps(expansion, variants: ["A", "B"])
        #expect(steps.count == 2 * 2 * 2 * 2)
        let first = steps.prefix(8).map { "\($0.variant)\($0.repetition):\($0.workload.name)" }
        #expect(first == [
            "A0:randread-psync", "B0:randread-psync", "B0:tar", "A0:tar",
            "B1:randread-psync", "A1:randread-psync", "A1:tar", "B1:tar",
        ])
        #expect(steps.prefix(8).allSatisfy { $0.cell.cache == "none" })
        // Each variant goes first exactly half the time.
        let pairs = stride(from: 0, to: steps.count, by: 2).map { steps[$0].variant }
        #expect(pairs.filter { $0 == "A" }.count == pairs.count / 2)
    }

    @Test func repetitionMajorVisitsEveryCellBeforeRepeating() {
        let steps = Schedule.steps(expansion, order: .repetitionMajor)
        #expect(steps.map { "\($0.cell.cache)\($0.repetition)" } == [
            "none0", "none0", "auto0", "auto0", "auto1", "auto1", "none1", "none1",
        ])
        #expect(Set(steps).count == steps.count)
    }

    /// In-guest comparisons read cells against each other (straitd against each peer), so no cell
    /// may hold the same place in every repetition: over an even number of them every cell's mean
    /// place within its repetition is the same.
    @Test func repetitionMajorGivesNoCellTheFirstPlace() {
        let cells = ["straitd", "virtiofsd-c", "virtiofsd-rust"].map { Cell(backend: .straitd, cache: $0, processing: .inline) }
        let three = Expansion(cells: cells, dropped: [], workloads: [.fio(FioJob(pattern: .randread, engine: .libaio))], repetitions: 4)
        let steps = Schedule.steps(three, order: .repetitionMajor)
        var places: [String: [Int]] = [:]
        for repetition in 0..<4 {
            for (place, step) in steps.filter({ $0.repetition == repetition }).enumerated() {
                places[step.cell.cache, default: []].append(place)
            }
        }
        #expect(places["straitd"] == [0, 2, 0, 2])
        #expect(Set(places.values.map { $0.reduce(0, +) }).count == 1, "\(places)")
    }
}
