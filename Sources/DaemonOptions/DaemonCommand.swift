/// What an invocation of straitd asks for.
public enum DaemonCommand: Sendable {
    /// Serve the shared directory.
    case run(DaemonConfiguration)
    /// `--print-capabilities`: print the vhost-user JSON and exit 0 (libvirt's probe).
    case printCapabilities
    case help
    case version

    /// Parses argv without the program name. Accepts both the C daemon's style
    /// (`--fd=N -o source=DIR,cache=auto,...`) and the Rust daemon's separate options, mixed.
    public static func parse(_ arguments: [String]) throws(OptionsError) -> DaemonCommand {
        var settings = Settings()
        var scanner = ArgumentScanner(arguments)
        while let argument = scanner.next() {
            switch argument {
            case .positional(let text):
                throw OptionsError(.unknownOption, "unexpected argument '\(text)'")
            case .long(let name, let value):
                guard let kind = Settings.longOptions[name] else {
                    throw OptionsError(.unknownOption, "unknown option '--\(name)'")
                }
                if kind == .value, value == nil {
                    guard let next = scanner.takeValue() else {
                        throw OptionsError(.missingValue, "'--\(name)' needs a value")
                    }
                    try settings.applyLong(name, value: next)
                } else {
                    try settings.applyLong(name, value: value)
                }
            case .short(let flag, let glued):
                try applyShort(flag, glued: glued, settings: &settings, scanner: &scanner)
            }
        }
        // Like both daemons: these answer before the rest of the command line is checked, so
        // libvirt's bare `--print-capabilities` probe works.
        if settings.help { return .help }
        if settings.version { return .version }
        if settings.printCapabilities { return .printCapabilities }
        return .run(try settings.resolve())
    }

    private static func applyShort(_ flag: Character, glued: String?, settings: inout Settings,
                                   scanner: inout ArgumentScanner) throws(OptionsError) {
        switch flag {
        case "o":
            guard let list = glued ?? scanner.takeValue() else {
                throw OptionsError(.missingValue, "'-o' needs a value")
            }
            try settings.applyCompatList(list)
            return
        case "h", "V", "d", "f":
            guard glued == nil else { throw OptionsError(.unknownOption, "unknown option '-\(flag)\(glued ?? "")'") }
        default:
            throw OptionsError(.unknownOption, "unknown option '-\(flag)\(glued ?? "")'")
        }
        switch flag {
        case "h": settings.help = true
        case "V": settings.version = true
        case "d": try settings.logLevel.set(.level(.debug), from: "-d")
        default: settings.ignored.append("-f")  // Foreground is the only way straitd runs.
        }
    }
}
