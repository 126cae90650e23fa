import ActivityQuery
import ArgumentParser
import Foundation

enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, vertical, json, ndjson, csv, xml
}

enum BackendKind: String, ExpressibleByArgument, CaseIterable, Sendable {
    case local, remote
}

extension Wire: ExpressibleByArgument {}

enum ColorMode: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, always, never
}

/// How ArgumentParser reads the options every command takes (`GlobalOptions`); `QuickParse`
/// reads the same ones for the common command lines.
struct GlobalArguments: ParsableArguments {
    @Option(help: "Backend to run queries on: local or remote.")
    var backend: BackendKind?

    @Option(help: ArgumentHelp("Store to use: a SQLite file, or postgresql://USER@HOST:PORT/DB (default: ACTQ_DB, else the bundled demo store).", valueName: "path|url"))
    var db: String?

    @Option(help: ArgumentHelp("Base URL of the remote API, e.g. https://host/system.", valueName: "url"))
    var url: String?

    @Option(help: "User name for the remote API.")
    var user: String?

    @Option(help: "Output format: table, vertical, json, ndjson, csv or xml.")
    var format: OutputFormat?

    @Option(help: ArgumentHelp("Time zone for dates without an offset (default: the machine's).", valueName: "zone"))
    var tz: String?

    @Option(help: "Colours: auto, always or never.")
    var color: ColorMode = GlobalOptions().color

    @Option(help: "Named profile from the configuration file.",
            completion: .custom { _, _, _ in ((try? Backends.loadConfig())?.profiles.keys.sorted()) ?? [] })
    var profile: String?

    @Option(help: "Body format on the wire for the remote backend: json or xml.")
    var wire: Wire?

    @Flag(help: "Do not verify the remote server's TLS certificate (test servers only).")
    var insecure = false

    @Option(help: ArgumentHelp("Seconds to wait for the remote server to answer (default 30).", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp("The most API requests one query with 'or' or 'in (…)' may become.", valueName: "n"))
    var maxRequests: Int = GlobalOptions().maxRequests

    @Option(name: .customLong("param"),
            help: ArgumentHelp("A value for $NAME in the queries (repeatable); taken as a value, never as query text.",
                               valueName: "name=value"))
    var params: [String] = []

    @Flag(help: "Return every page of a result.")
    var all = false

    @Flag(help: "Exit with 4 when a query matches nothing.")
    var failEmpty = false

    /// The values read.
    var options: GlobalOptions {
        GlobalOptions(backend: backend, db: db, url: url, user: user, format: format, tz: tz, color: color, profile: profile,
                      wire: wire, insecure: insecure, timeout: timeout, maxRequests: maxRequests, params: params, all: all,
                      failEmpty: failEmpty)
    }

    func validate() throws {
        try options.validate()
    }
}

/// Options that every command takes, before or after the subcommand's name, as values (read by
/// `GlobalArguments` or `QuickParse`). The defaults here are the command line's.
struct GlobalOptions {
    var backend: BackendKind?
    var db: String?
    var url: String?
    var user: String?
    var format: OutputFormat?
    var tz: String?
    var color: ColorMode = .auto
    var profile: String?
    var wire: Wire?
    var insecure = false
    var timeout: Double?
    var maxRequests = 32
    var params: [String] = []
    var all = false
    var failEmpty = false

    /// The store named by `--db`, else by `ACTQ_DB`.
    var store: String? {
        if let db { return db }
        if let name = Environment["ACTQ_DB"], !name.isEmpty { return name }
        return nil
    }

    /// Options that take a value, as typed on the command line.
    static let valueOptions = Set(QuickOption.global.filter { $0.kind != .flag }.map(\.name))
    static let flags = Set(QuickOption.global.filter { $0.kind == .flag }.map(\.name))

    var planOptions: PlanOptions { PlanOptions(maxRequests: maxRequests, parameters: parameters) }

    /// The `--param` values, by name (a later one of the same name wins).
    var parameters: [String: ParameterValue] {
        var values: [String: ParameterValue] = [:]
        for assignment in params {
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            let name = String(assignment[..<equals])
            values[name] = ParameterValue(String(assignment[assignment.index(after: equals)...]), origin: "from --param \(name)")
        }
        return values
    }

    func validate() throws {
        try validateParameters()
    }

    /// `--param` arguments that are not `name=value` with a name of letters, digits and `_`.
    func validateParameters() throws {
        for assignment in params {
            let name = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard assignment.contains("="), Lexer.isParameterName(name) else {
                throw ValidationError("--param takes name=value, the name letters, digits and '_' (as in $name): '\(assignment)'")
            }
        }
    }

    func timeZone() throws -> TimeZone {
        guard let tz else { return TimeZoneParser.system() }
        if let zone = TimeZoneParser.parse(tz) { return zone }
        throw ValidationError("unknown time zone '\(tz)': use a name such as Europe/Berlin or UTC, or an offset such as +02:00")
    }

    /// The clock for relative dates: the real one, or the instant in `ACTQ_NOW` (for reproducible
    /// scripts and tests), e.g. `ACTQ_NOW=2024-06-15T12:00:00Z`.
    func dateContext() throws -> DateContext {
        let zone = try timeZone()
        guard let frozen = Environment["ACTQ_NOW"], !frozen.isEmpty else {
            return DateContext.current(timeZone: zone)
        }
        guard case .success(.instant(let now)) = APIDate.parseLiteral(Array(frozen.utf8)) else {
            throw ValidationError("ACTQ_NOW must be an instant with a zone, such as 2024-06-15T12:00:00Z")
        }
        return DateContext(now: now, timeZone: zone)
    }

    /// The clock of a long-running command (the language server): asked at each use, so that
    /// `now` moves on, unless `ACTQ_NOW` freezes it.
    func dateClock() throws -> @Sendable () -> DateContext {
        let context = try dateContext()
        guard Environment["ACTQ_NOW"]?.isEmpty ?? true else { return { context } }
        let zone = context.timeZone
        return { DateContext.current(timeZone: zone) }
    }

    /// Whether to colour what is written to a stream.
    func useColor(for stream: FileHandle) -> Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = Environment["NO_COLOR"], !noColor.isEmpty { return false }
            return isatty(stream.fileDescriptor) != 0
        }
    }
}

enum TimeZoneParser {
    /// The system's zone as `TimeZone.current` finds it, for less on the common path: the zone
    /// `TZ` names or, with `TZ` unset, the zone `/etc/localtime` links to. (`TimeZone.current`
    /// builds the whole environment as a dictionary to look for `TZ`: ~0.8 M instructions at
    /// every start.) Anything else (`TZ` empty, a path or a POSIX rule; a copied file) is left
    /// to Foundation, so that the zone is the same as everywhere else.
    static func system() -> TimeZone {
        let identifier: String
        if let tz = getenv("TZ") {
            identifier = String(cString: tz)
            guard let first = identifier.utf8.first, first != UInt8(ascii: ":"), first != UInt8(ascii: "/") else { return .current }
        } else {
            var buffer = [CChar](repeating: 0, count: 1024)
            let length = readlink("/etc/localtime", &buffer, buffer.count - 1)
            let target = String(decoding: buffer[..<max(0, length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let marker = target.range(of: "zoneinfo/") else { return .current }
            identifier = String(target[marker.upperBound...])
        }
        return TimeZone(identifier: identifier) ?? .current
    }

    static func parse(_ text: String) -> TimeZone? {
        if text.uppercased() == "UTC" || text == "Z" { return TimeZone(identifier: "UTC") }
        if let zone = TimeZone(identifier: text) { return zone }
        // `+02:00`, `-0530`
        let bytes = Array(text.utf8)
        guard bytes.count == 6 || bytes.count == 5, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-") else {
            return nil
        }
        let digits = bytes.dropFirst().filter { $0 != UInt8(ascii: ":") }
        guard digits.count == 4, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let value = digits.map { Int($0 - 0x30) }
        let seconds = ((value[0] * 10 + value[1]) * 60 + value[2] * 10 + value[3]) * 60
        guard seconds <= 18 * 3600 else { return nil }
        return TimeZone(secondsFromGMT: bytes[0] == UInt8(ascii: "-") ? -seconds : seconds)
    }
}

/// Moves global options typed before a subcommand's name to after it, so that
/// `actq --format json explain -e …` and `actq explain -e … --format json` mean the same.
enum ArgumentOrder {
    static func normalize(_ arguments: [String], subcommands: Set<String>) -> [String] {
        var before: [String] = []
        var moved: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return arguments }
            if subcommands.contains(argument) {
                return before + [argument] + moved + arguments[(index + 1)...]
            }
            if GlobalOptions.valueOptions.contains(argument), index + 1 < arguments.count {
                moved += [argument, arguments[index + 1]]
                index += 2
                continue
            }
            if let equals = argument.firstIndex(of: "="), GlobalOptions.valueOptions.contains(String(argument[..<equals])) {
                moved.append(argument)
                index += 1
                continue
            }
            if GlobalOptions.flags.contains(argument) {
                moved.append(argument)
                index += 1
                continue
            }
            before.append(argument)
            if argument == "-e" || argument == "--execute", index + 1 < arguments.count {
                before.append(arguments[index + 1])
                index += 2
                continue
            }
            index += 1
        }
        return arguments
    }
}
