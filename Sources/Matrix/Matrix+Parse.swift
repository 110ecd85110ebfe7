import Foundation
import Yams

extension Matrix {
    /// Reads and parses a matrix file; every error names the file, line and field.
    public static func load(path: String) throws(MatrixError) -> Matrix {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw MatrixError(.io, "cannot read: \(error.localizedDescription)", file: path)
        }
        return try parse(yaml: text, file: path)
    }

    public static func parse(yaml: String, file: String = "<matrix>") throws(MatrixError) -> Matrix {
        let reader = YAMLReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw MatrixError(.syntax, "empty matrix", file: file, line: 1, column: 1)
            }
            root = node
        } catch let error as MatrixError {
            throw error
        } catch let error as YamlError {
            throw syntaxError(error, file: file, yaml: yaml)
        } catch {
            throw MatrixError(.syntax, "\(error)", file: file)
        }
        return try MatrixParser(reader: reader).matrix(root)
    }

    private static func syntaxError(_ error: YamlError, file: String, yaml: String) -> MatrixError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = context.map { "\(problem) (\($0.text) at line \($0.mark.line))" } ?? problem
            return MatrixError(.syntax, text, file: file, line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the first occurrence; the mistake is the repeat, so find it.
            let key = duplicates.first ?? ""
            let line = repeatedKeyLine(key, after: context.mark, in: yaml)
            return MatrixError(
                .duplicateKey, "duplicate key (first at line \(context.mark.line))", file: file,
                line: line ?? context.mark.line, column: context.mark.column, field: key)
        default:
            return MatrixError(.syntax, "\(error)", file: file)
        }
    }

    /// The line of the next `key:` at the same indentation after `first`.
    private static func repeatedKeyLine(_ key: String, after first: Mark, in yaml: String) -> Int? {
        let indent = String(repeating: " ", count: max(first.column - 1, 0))
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        for index in first.line..<lines.count {
            let line = lines[index]
            guard line.hasPrefix(indent + key) else { continue }
            let rest = line.dropFirst(indent.count + key.count).drop { $0 == " " }
            if rest.hasPrefix(":") { return index + 1 }
        }
        return nil
    }
}

/// Field-by-field reading of the matrix document; unknown fields are errors so typos surface.
struct MatrixParser {
    let reader: YAMLReader

    static let topLevel: Set<String> = [
        "name", "description", "axes", "backend-options", "workloads", "repetitions", "gate-repetitions", "include",
        "exclude", "tolerances", "quick", "load", "dax-window",
    ]

    func matrix(_ root: Node) throws(MatrixError) -> Matrix {
        let fields = try reader.mapping(root, "", allowed: Self.topLevel)
        func field(_ key: String) -> Node? { fields.first { $0.0 == key }?.1 }
        // A matrix of host-speed cells only (`load:`) needs no axes and no VM workloads.
        let loadOnly = field("load") != nil && field("axes") == nil && field("workloads") == nil
        let axesNode = field("axes")
        let workloadsNode = field("workloads")
        if !loadOnly {
            guard axesNode != nil else {
                throw reader.fail(.missingField, "a matrix needs axes (backend, cache)", root, "axes")
            }
            guard workloadsNode != nil else {
                throw reader.fail(.missingField, "a matrix needs workloads (fio and/or tar)", root, "workloads")
            }
        }
        let fileName = (reader.file as NSString).lastPathComponent
        var matrix = Matrix(
            name: try field("name").map { n throws(MatrixError) in try reader.string(n, "name") }
                ?? ((fileName as NSString).deletingPathExtension),
            file: reader.file, backends: [], caches: [], workloads: [])
        if let d = field("description") { matrix.description = try reader.string(d, "description") }
        if let axesNode { try axes(axesNode, into: &matrix) }
        if let workloadsNode { matrix.workloads = try workloads(workloadsNode) }
        if let l = field("load") { matrix.load = try load(l) }
        if let r = field("repetitions") {
            matrix.repetitions = try reader.int(r, "repetitions")
            matrix.gateRepetitions = max(matrix.repetitions, Matrix.minimumGateRepetitions)
        }
        if let g = field("gate-repetitions") {
            matrix.gateRepetitions = try reader.int(g, "gate-repetitions", min: Matrix.minimumGateRepetitions)
        }
        if let o = field("backend-options") { matrix.backendOptions = try backendOptions(o) }
        if let e = field("exclude") {
            for (item, path) in try reader.list(e, "exclude") {
                matrix.exclude.append(try rule(item, path))
            }
        }
        if let i = field("include") {
            for (item, path) in try reader.list(i, "include") {
                matrix.include.append(try includedCell(item, path, options: matrix.backendOptions))
            }
        }
        if let w = field("dax-window") {
            let text = try reader.string(w, "dax-window")
            guard Cell.windowSize(text) != nil else {
                throw reader.fail(.invalidValue, "expected a window size like 256M or 1G (a multiple of 2M, at most 64G), got '\(text)'", w, "dax-window")
            }
            matrix.daxWindow = text
        }
        if let t = field("tolerances") { matrix.tolerances = try tolerances(t) }
        if let q = field("quick") { matrix.quick = try quick(q) }
        return matrix
    }

    func meta(_ node: Node) throws(MatrixError) -> MetaWorkload {
        var meta = MetaWorkload()
        guard node.scalar == nil else { return meta }
        for (key, value) in try reader.mapping(node, "workloads.meta", allowed: ["files", "directories"]) {
            if key == "files" { meta.files = try reader.int(value, "workloads.meta.files") }
            else { meta.directories = try reader.int(value, "workloads.meta.directories") }
        }
        guard meta.directories <= meta.files else {
            throw reader.fail(.invalidValue, "more directories than files", node, "workloads.meta.directories")
        }
        return meta
    }

    func quick(_ node: Node) throws(MatrixError) -> QuickProfile {
        var profile = QuickProfile()
        for (key, value) in try reader.mapping(node, "quick", allowed: ["size", "runtime", "files", "repetitions"]) {
            let path = "quick.\(key)"
            switch key {
            case "size": profile.size = try reader.size(value, path)
            case "runtime": profile.runtime = try reader.int(value, path)
            case "files": profile.files = try reader.int(value, path)
            default: profile.repetitions = try reader.int(value, path)
            }
        }
        return profile
    }

    func axes(_ node: Node, into matrix: inout Matrix) throws(MatrixError) {
        let fields = try reader.mapping(node, "axes", allowed: Set(Axis.allCases.map(\.rawValue)))
        for (key, value) in fields {
            let path = "axes.\(key)"
            switch key {
            case "backend":
                matrix.backends = try reader.values(value, path, expected: Self.backendNames) { ShareBackend(rawValue: $0) }
            case "cache":
                let all = Set(ShareBackend.allCases.flatMap(\.cacheModes))
                matrix.caches = try reader.values(value, path, expected: "a cache mode (\(all.sorted().joined(separator: ", ")))") {
                    all.contains($0) ? $0 : nil
                }
            case "dax":
                matrix.dax = try reader.values(value, path, expected: "off, on or inode") { Dax(rawValue: $0) }
            case "vmm":
                matrix.vmms = try reader.values(value, path, expected: Self.vmmNames) { VMM(rawValue: $0) }
            case "image":
                matrix.images = try reader.values(value, path, expected: Self.imageForm) { Axis.isImageName($0) ? $0 : nil }
            case "queues":
                matrix.queues = try reader.values(value, path, expected: Self.queuesForm) { Self.queueCount($0) }
            default:
                matrix.processing = try reader.values(value, path, expected: Self.processingForms) { Processing(parsing: $0) }
            }
        }
        if matrix.backends.isEmpty { throw reader.fail(.missingField, "axes need a backend list", node, "axes.backend") }
        if matrix.caches.isEmpty { throw reader.fail(.missingField, "axes need a cache list", node, "axes.cache") }
    }

    static let backendNames = "a backend (\(ShareBackend.allCases.map(\.rawValue).joined(separator: ", ")))"
    static let processingForms = "a processing mode (inline, pool:N, auto:THRESHOLD[:POOL])"
    static let vmmNames = "a VMM (\(VMM.allCases.map(\.rawValue).joined(separator: ", ")))"
    static let imageForm = "an image recipe name under images/ (e.g. debian-trixie) or default"
    static let queuesForm = "a number of request queues, 1-\(Axis.maxQueues)"

    static func queueCount(_ text: String) -> Int? {
        Int(text).flatMap { (1...Axis.maxQueues).contains($0) ? $0 : nil }
    }

    func workloads(_ node: Node) throws(MatrixError) -> [Workload] {
        var out: [Workload] = []
        for (key, value) in try reader.mapping(node, "workloads", allowed: ["fio", "tar", "meta"]) {
            if key == "fio" {
                out += try fioJobs(value).map { Workload.fio($0) }
            } else if key == "meta" {
                let wanted = value.scalar == nil ? true : try reader.bool(value, "workloads.meta")
                if wanted { out.append(.meta(try meta(value))) }
            } else {
                // `tar: false` leaves it out; `tar: true` or a mapping puts it in.
                let wanted = value.scalar == nil ? true : try reader.bool(value, "workloads.tar")
                if wanted { out.append(.tar(try tar(value))) }
            }
        }
        guard !out.isEmpty else { throw reader.fail(.emptyAxis, "no workloads", node, "workloads") }
        return out
    }

    func fioJobs(_ node: Node) throws(MatrixError) -> [FioJob] {
        let allowed: Set<String> = ["patterns", "engines", "layouts", "size", "runtime", "time-based", "block-size", "iodepth", "rw-mix-read"]
        let fields = try reader.mapping(node, "workloads.fio", allowed: allowed)
        var patterns: [FioPattern] = []
        var engines: [FioEngine] = []
        var layouts: [FioLayout] = [.single]
        var template = FioJob(pattern: .seqread, engine: .psync)
        for (key, value) in fields {
            let path = "workloads.fio.\(key)"
            switch key {
            case "patterns":
                patterns = try reader.values(value, path, expected: "a pattern (\(FioPattern.allCases.map(\.rawValue).joined(separator: ", ")))") { FioPattern(rawValue: $0) }
            case "engines":
                engines = try reader.values(value, path, expected: "an engine (psync, libaio, mmap)") { FioEngine(rawValue: $0) }
            case "layouts":
                layouts = try reader.values(value, path, expected: "single or multi") { FioLayout(rawValue: $0) }
            case "size": template.size = try reader.size(value, path)
            case "runtime": template.runtime = try reader.int(value, path)
            case "time-based": template.timeBased = try reader.bool(value, path)
            case "block-size": template.blockSize = try reader.size(value, path)
            case "rw-mix-read":
                template.rwMixRead = try reader.int(value, path)
                guard template.rwMixRead <= 100 else { throw reader.fail(.invalidValue, "a percentage of reads, 1-100", value, path) }
            default: template.iodepth = try reader.int(value, path)
            }
        }
        if patterns.isEmpty { throw reader.fail(.missingField, "fio needs patterns", node, "workloads.fio.patterns") }
        if engines.isEmpty { throw reader.fail(.missingField, "fio needs engines", node, "workloads.fio.engines") }
        var jobs: [FioJob] = []
        for pattern in patterns {
            for engine in engines {
                for layout in layouts {
                    var job = template
                    job.pattern = pattern
                    job.engine = engine
                    job.layout = layout
                    jobs.append(job)
                }
            }
        }
        return jobs
    }

    func tar(_ node: Node) throws(MatrixError) -> TarWorkload {
        var tar = TarWorkload()
        if node.scalar != nil { return tar }  // `tar: true`: the defaults
        for (key, value) in try reader.mapping(node, "workloads.tar", allowed: ["files", "seed", "tarball"]) {
            let path = "workloads.tar.\(key)"
            switch key {
            case "files": tar.files = try reader.int(value, path)
            case "seed": tar.seed = UInt64(try reader.int(value, path, min: 0))
            default: tar.tarball = try reader.string(value, path)
            }
        }
        return tar
    }

    func backendOptions(_ node: Node) throws(MatrixError) -> [ShareBackend: [String]] {
        var out: [ShareBackend: [String]] = [:]
        for (key, value) in try reader.mapping(node, "backend-options", allowed: Set(ShareBackend.allCases.map(\.rawValue))) {
            guard let backend = ShareBackend(rawValue: key) else { continue }
            out[backend] = try reader.list(value, "backend-options.\(key)").map { item, path throws(MatrixError) in
                try reader.string(item, path)
            }
        }
        return out
    }

    func rule(_ node: Node, _ field: String) throws(MatrixError) -> CellRule {
        var conditions: [Axis: Set<String>] = [:]
        for (key, value) in try reader.mapping(node, field, allowed: Set(Axis.allCases.map(\.rawValue))) {
            guard let axis = Axis(rawValue: key) else { continue }
            let path = "\(field).\(key)"
            var set = Set<String>()
            for (item, itemPath) in try reader.list(value, path) {
                set.insert(try axisValue(axis, item, itemPath))
            }
            conditions[axis] = set
        }
        guard !conditions.isEmpty else { throw reader.fail(.emptyAxis, "a rule needs at least one axis", node, field) }
        return CellRule(conditions, line: node.mark?.line)
    }

    /// Validates one axis value and returns it in the spelling cells use.
    func axisValue(_ axis: Axis, _ node: Node, _ field: String) throws(MatrixError) -> String {
        let text = try reader.string(node, field)
        let valid: String? = switch axis {
        case .backend: ShareBackend(rawValue: text)?.rawValue
        case .cache: ShareBackend.allCases.contains { $0.cacheModes.contains(text) } ? text : nil
        case .dax: Dax(rawValue: text)?.rawValue
        case .processing: text == "none" ? text : Processing(parsing: text)?.description
        case .vmm: VMM(rawValue: text)?.rawValue
        case .image: Axis.isImageName(text) ? text : nil
        case .queues: Self.queueCount(text).map(String.init)
        }
        guard let valid else { throw reader.fail(.invalidValue, "'\(text)' is not a valid \(axis.rawValue)", node, field) }
        return valid
    }

    func includedCell(_ node: Node, _ field: String, options: [ShareBackend: [String]]) throws(MatrixError) -> Cell {
        let allowed = Set(Axis.allCases.map(\.rawValue)).union(["options", "label"])
        let fields = try reader.mapping(node, field, allowed: allowed)
        func value(_ axis: Axis) throws(MatrixError) -> String? {
            guard let n = fields.first(where: { $0.0 == axis.rawValue })?.1 else { return nil }
            return try axisValue(axis, n, "\(field).\(axis.rawValue)")
        }
        guard let backendName = try value(.backend), let backend = ShareBackend(rawValue: backendName) else {
            throw reader.fail(.missingField, "an include names its backend", node, "\(field).backend")
        }
        guard let cache = try value(.cache) else {
            throw reader.fail(.missingField, "an include names its cache mode", node, "\(field).cache")
        }
        let processing = try value(.processing).flatMap { Processing(parsing: $0) } ?? (backend.isVirtioFS ? .inline : nil)
        var extra = options[backend] ?? []
        if let o = fields.first(where: { $0.0 == "options" })?.1 {
            extra = try reader.list(o, "\(field).options").map { item, path throws(MatrixError) in try reader.string(item, path) }
        }
        var label: String?
        if let l = fields.first(where: { $0.0 == "label" })?.1 {
            let text = try reader.string(l, "\(field).label")
            guard !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else {
                throw reader.fail(.invalidValue, "a label is letters, digits, '_' and '.'", l, "\(field).label")
            }
            label = text
        }
        return Cell(
            backend: backend, cache: cache, dax: try value(.dax).flatMap { Dax(rawValue: $0) } ?? .off,
            processing: backend.isVirtioFS ? processing : nil, options: extra, label: label,
            vmm: try value(.vmm).flatMap { VMM(rawValue: $0) }, image: try value(.image),
            queues: try value(.queues).flatMap { Int($0) })
    }

    func tolerances(_ node: Node) throws(MatrixError) -> Tolerances {
        var out = Tolerances()
        for (key, value) in try reader.mapping(node, "tolerances") {
            let path = "tolerances.\(key)"
            let fraction = try reader.fraction(value, path)
            if key == "default" {
                out.defaultFraction = fraction
                continue
            }
            let kind = key.hasPrefix("read.") || key.hasPrefix("write.") || key.hasPrefix("tar.") || key.hasPrefix("ops.")
                ? String(key.drop { $0 != "." }.dropFirst()) : key
            guard Tolerances.knownKinds.contains(kind) else {
                throw reader.fail(
                    .unknownField, "unknown metric (known: default, \(Tolerances.knownKinds.sorted().joined(separator: ", ")))",
                    value, path)
            }
            out.perMetric[key] = fraction
        }
        return out
    }
}
