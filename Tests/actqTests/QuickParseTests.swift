import ActqTestSupport
import ArgumentParser
import Foundation
import Testing

@testable import ActqCommands

/// The quick reader of common command lines (`QuickParse`) held to ArgumentParser, whose work it
/// skips: the same options, the same parsed values, and ArgumentParser's own handling of
/// anything it is not sure of.
@Suite struct QuickParseTests {
    /// What ArgumentParser makes of a command line, as the command's description (every property
    /// wrapper prints its value, or `*definition*` when it was never set).
    static func parsedByArgumentParser(_ arguments: [String]) throws -> String {
        let names = Set(Actq.configuration.subcommands.map { $0._commandName })
        let command = try Actq.parseAsRoot(ArgumentOrder.normalize(arguments, subcommands: names))
        guard let withAction = command as? any ActionCommand else { return "not an action command: \(command)" }
        return String(describing: withAction.action)
    }

    static func parsedQuickly(_ arguments: [String]) -> String? {
        let names = Set(Actq.configuration.subcommands.map { $0._commandName })
        return QuickParse.command(ArgumentOrder.normalize(arguments, subcommands: names)).map { String(describing: $0.action) }
    }

    /// Command lines the quick reader takes: each must mean exactly what it means to ArgumentParser.
    static let taken: [[String]] = [
        ["-e", "status = open"],
        ["-e", "status = open", "-e", "queue = 5", "--format", "json", "--db", "/tmp/s.sqlite"],
        ["--format", "json", "-e", "status = open", "--all", "--fail-empty"],
        ["--execute", "status = open", "--execute=queue = 5"],
        ["-e", "q", "--bail", "--echo", "--no-rc", "--color", "never", "--tz", "Europe/Berlin"],
        ["-e", "q", "--tz=-05:00", "--timeout", "2.5", "--max-requests", "4", "--param", "who=1", "--param=x=2"],
        ["-e", "q", "--backend", "remote", "--url", "http://127.0.0.1:1/system", "--user", "u", "--wire", "xml", "--insecure"],
        ["-e", "q", "--profile", "team"],
        // Parsed alike; the command refuses them when it runs (exit 64), on either path.
        ["-e", "q", "--max-requests", "0"], ["-e", "q", "--timeout", "1e300"],
        [],
        ["--db", "postgresql://u@h:5432/d"],
        ["explain", "-e", "status = open"],
        ["--format", "json", "explain", "-e", "status = open"],
        ["explain", "-e", "a", "file.actq", "-", "--wire", "xml"],
        ["explain", "file.actq"],
        ["check", "-e", "status = open", "--format", "json"],
        ["check", "a.actq", "b.actq", "--max-requests", "2"],
        ["run", "a.actq", "--bail", "--db", "x.sqlite"],
        ["run"],
        ["lsp"],
        ["lsp", "--db", "x.sqlite", "--tz", "UTC"],
        ["--db", "x.sqlite", "lsp"],
        ["query", "-e", "q"],
    ]

    /// Command lines left to ArgumentParser: help, mistakes, what the tables do not know.
    static let declined: [[String]] = [
        ["--help"], ["-h"], ["explain", "--help"], ["help"], ["help", "explain"], ["--version"],
        ["-e"], ["-e", "--format"], ["-e", "q", "--format", "yaml"], ["-e", "q", "--max-requests", "many"],
        ["-e", "q", "--param", "bad name=1"],
        ["-e", "q", "--format", "json", "--format", "csv"], ["-e", "q", "--all=yes"], ["-e", "q", "stray"],
        ["-e", "q", "--", "x"], ["-e", "q", "--unknown"], ["-eq"], ["explain", "check"], ["run", "explain"],
        ["fmt", "-e", "q"], ["serve"], ["import", "x.ndjson"], ["lsp", "file.actq"], ["-e", "q", "-x"],
        ["--generate-completion-script", "bash"], ["-e", "q", "--experimental-dump-help"], ["explain", "-e", "-7d"],
    ]

    @Test func commonCommandLinesMeanWhatTheyMeanToArgumentParser() throws {
        for arguments in Self.taken {
            let quick = try #require(Self.parsedQuickly(arguments), "the quick reader declined \(arguments)")
            #expect(quick == (try Self.parsedByArgumentParser(arguments)), "\(arguments)")
        }
    }

    @Test func everythingElseIsLeftToArgumentParser() {
        for arguments in Self.declined {
            #expect(Self.parsedQuickly(arguments) == nil, "the quick reader took \(arguments)")
        }
    }

    @Test func declinedLinesThatParseAreTheOnesTheTablesDoNotCover() throws {
        // Declining is always safe; but a declined line that ArgumentParser reads as one of the
        // quick reader's commands is a slow path for a line the tables could read. These are the
        // known ones: a repeated option (the last wins), a file named like a subcommand.
        let quickTypes = Set(QuickParse.Subcommand.allCases.map { ObjectIdentifier($0.type) })
        var parsedAnyway: [[String]] = []
        for arguments in Self.declined {
            let names = Set(Actq.configuration.subcommands.map { $0._commandName })
            guard let command = try? Actq.parseAsRoot(ArgumentOrder.normalize(arguments, subcommands: names)) else { continue }
            if quickTypes.contains(ObjectIdentifier(type(of: command))) { parsedAnyway.append(arguments) }
        }
        #expect(parsedAnyway == [["-e", "q", "--format", "json", "--format", "csv"], ["explain", "check"], ["run", "explain"]])
    }

    /// The tables name every option ArgumentParser knows for these commands, with the same kind.
    @Test func tablesMatchArgumentParsersOwnDescription() throws {
        for subcommand in QuickParse.Subcommand.allCases {
            let arguments = [subcommand.rawValue, "--experimental-dump-help"]
            let result = try ActqProcess.run(arguments)
            #expect(result.status == 0)
            let dump = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let command = try #require(dump["command"] as? [String: Any])
            var described: [String: String] = [:]
            var positionals = false
            for argument in command["arguments"] as? [[String: Any]] ?? [] {
                let kind = argument["kind"] as? String ?? ""
                let repeating = argument["isRepeating"] as? Bool ?? false
                if kind == "positional" {
                    positionals = true
                    continue
                }
                for name in argument["names"] as? [[String: Any]] ?? [] {
                    let text = name["name"] as? String ?? ""
                    let spelling = (name["kind"] as? String == "short" ? "-" : "--") + text
                    if ["-h", "--help", "--version"].contains(spelling) { continue }
                    described[spelling] = kind == "flag" ? "flag" : (repeating ? "values" : "value")
                }
            }
            let tables = subcommand.options.mapValues { option -> String in
                switch option.kind {
                case .flag: "flag"
                case .value(let repeatable): repeatable ? "values" : "value"
                }
            }
            #expect(tables == described, "\(subcommand)")
            #expect(positionals == subcommand.takesFiles, "\(subcommand)")
        }
    }

    @Test func subcommandNamesAreTheConfigurations() {
        #expect(Actq.subcommandNames == Set(Actq.configuration.subcommands.map { $0._commandName }))
    }

    @Test func fullParseCanBeForcedAndGivesTheSameOutput() throws {
        let queries = ["-e", "status = open and queue = 5", "--format", "json"]
        let quick = try ActqProcess.run(["explain"] + queries)
        let full = try ActqProcess.run(["explain"] + queries, environment: ["ACTQ_FULL_PARSE": "1"])
        #expect(quick.status == 0)
        #expect(quick.stdout == full.stdout)
        #expect(quick.stderr == full.stderr)
        #expect(quick.stdout.contains("/ws/v12/interaction/activity?"))
    }
}

/// The system's zone found without `TimeZone.current` (which costs most of a cold start's
/// remaining work in Foundation) is the zone `TimeZone.current` finds. (Checked by hand with
/// TZ unset, empty, `UTC`, `GMT`, `Asia/Tokyo`, `:Europe/Berlin`, a zoneinfo path, a POSIX
/// rule and an unknown name: `TimeZone.current` is computed once per process.)
@Suite struct SystemTimeZoneTests {
    @Test func theSystemZoneIsFoundationsCurrentZone() {
        #expect(TimeZoneParser.system().identifier == TimeZone.current.identifier)
        #expect(TimeZoneParser.system().secondsFromGMT(for: Date()) == TimeZone.current.secondsFromGMT(for: Date()))
    }
}
