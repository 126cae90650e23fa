import ArgumentParser
import Foundation

/// The common command lines — `-e` queries, `explain`, `check`, `run`, `lsp` with the global
/// options — read without ArgumentParser's reflection.
///
/// ArgumentParser builds each command from its `Mirror`, resolving every property wrapper's type
/// by its mangled name and finding its conformances by scanning every conformance record of the
/// image: two thirds of a cold `actq explain`'s instructions. This reader knows the options of
/// those few commands from tables (`QuickOption`), assigns them to the same command structs
/// through the wrappers' setters, and runs the same `validate()`. It accepts only what it is sure
/// of: anything else (help, `--`, an unknown or repeated option, a value that does not convert, a
/// failing validation, a stray positional) returns nil and ArgumentParser parses the line, so
/// every help text, error and completion script stays ArgumentParser's own.
/// `QuickParseTests` hold it to ArgumentParser: the same names and kinds as `--experimental-dump-help`,
/// the same values for a corpus of command lines, no property left unset.
enum QuickParse {
    /// The command to run for `arguments` (normalized by `ArgumentOrder`), or nil.
    static func command(_ arguments: [String]) -> QuickCommand? {
        if Environment["ACTQ_FULL_PARSE"] != nil { return nil }
        var rest = arguments[...]
        let name = rest.first.flatMap { Subcommand(rawValue: $0) }
        if name != nil { rest = rest.dropFirst() }
        let subcommand = name ?? .query
        guard var parsed = Parsed(rest, options: subcommand.options, positionals: subcommand.takesFiles) else { return nil }
        switch subcommand {
        case .query:
            var command = QueryCommand()
            command.expressions = parsed.values("-e")
            command.noRC = parsed.flag("--no-rc")
            command.script = ScriptOptions(parsed: &parsed)
            guard let global = GlobalOptions(parsed: &parsed) else { return nil }
            command.global = global
            return parsed.finish(command)
        case .explain:
            var command = ExplainCommand()
            command.inputs = QueryInputs(parsed: &parsed)
            guard let global = GlobalOptions(parsed: &parsed) else { return nil }
            command.global = global
            return parsed.finish(command)
        case .check:
            var command = CheckCommand()
            command.inputs = QueryInputs(parsed: &parsed)
            guard let global = GlobalOptions(parsed: &parsed) else { return nil }
            command.global = global
            return parsed.finish(command)
        case .run:
            var command = RunCommand()
            command.files = parsed.positionals
            command.script = ScriptOptions(parsed: &parsed)
            guard let global = GlobalOptions(parsed: &parsed) else { return nil }
            command.global = global
            return parsed.finish(command)
        case .lsp:
            var command = LspCommand()
            guard let global = GlobalOptions(parsed: &parsed) else { return nil }
            command.global = global
            return parsed.finish(command)
        }
    }

    /// The subcommands read here, by the name typed (the default command has none).
    enum Subcommand: String, CaseIterable {
        case query, explain, check, run, lsp

        var options: [String: QuickOption] {
            switch self {
            case .query: QuickOption.table(QuickOption.execute + QuickOption.script + QuickOption.global + [.flag("--no-rc")])
            case .explain, .check: QuickOption.table(QuickOption.execute + QuickOption.global)
            case .run: QuickOption.table(QuickOption.script + QuickOption.global)
            case .lsp: QuickOption.table(QuickOption.global)
            }
        }

        var takesFiles: Bool { self == .explain || self == .check || self == .run }

        /// Its ArgumentParser type (for the tests that compare the two).
        var type: any ParsableCommand.Type {
            switch self {
            case .query: QueryCommand.self
            case .explain: ExplainCommand.self
            case .check: CheckCommand.self
            case .run: RunCommand.self
            case .lsp: LspCommand.self
            }
        }
    }

    /// The arguments of one command line, sorted by option, each option checked against the table.
    struct Parsed {
        private var given: [String: [String]] = [:]
        private(set) var positionals: [String] = []
        private var unused: Set<String>
        private var valid = true

        init?(_ arguments: ArraySlice<String>, options: [String: QuickOption], positionals allowed: Bool) {
            unused = []
            var index = arguments.startIndex
            while index < arguments.endIndex {
                let argument = arguments[index]
                index += 1
                if argument == "-" || !argument.hasPrefix("-") {
                    // A file; never a subcommand's name or `help` (ArgumentParser decides those).
                    guard allowed, Subcommand(rawValue: argument) == nil, argument != "help",
                          !Actq.configuration.subcommands.contains(where: { $0._commandName == argument }) else { return nil }
                    positionals.append(argument)
                    continue
                }
                var name = argument
                var inline: String?
                if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                    name = String(argument[..<equals])
                    inline = String(argument[argument.index(after: equals)...])
                }
                guard let option = options[name] else { return nil }
                switch option.kind {
                case .flag:
                    guard inline == nil, given[option.name] == nil else { return nil }
                    given[option.name] = []
                case .value(let repeatable):
                    let value: String
                    if let inline {
                        value = inline
                    } else {
                        // ArgumentParser takes a value that looks like an option as a missing value.
                        guard index < arguments.endIndex, !arguments[index].hasPrefix("-") else { return nil }
                        value = arguments[index]
                        index += 1
                    }
                    guard repeatable || given[option.name] == nil else { return nil }
                    given[option.name, default: []].append(value)
                }
            }
            unused = Set(given.keys)
        }

        /// Every value given for an option (or its short form), in order.
        mutating func values(_ name: String) -> [String] {
            unused.remove(name)
            return given[name] ?? []
        }

        mutating func value(_ name: String) -> String? { values(name).last }

        mutating func flag(_ name: String) -> Bool {
            unused.remove(name)
            return given[name] != nil
        }

        /// The option's value converted as ArgumentParser converts it (`init(argument:)`), nil
        /// when not given; marks the line as not readable here when it does not convert.
        mutating func argument<T: ExpressibleByArgument>(_ name: String, as type: T.Type = T.self) -> T? {
            guard let text = value(name) else { return nil }
            guard let converted = T(argument: text) else {
                valid = false
                return nil
            }
            return converted
        }

        /// The command, if every option given was read and every value converted and validated.
        func finish(_ command: some ParsableCommand) -> QuickCommand? {
            var command = command
            guard valid, unused.isEmpty, (try? command.validate()) != nil else { return nil }
            return QuickCommand(command)
        }
    }
}

/// A parsed command and how to run it (no dynamic cast to find out whether it is asynchronous).
struct QuickCommand {
    let command: any ParsableCommand
    let run: () throws -> Void

    init(_ command: some ParsableCommand) {
        self.command = command
        self.run = {
            var command = command
            try command.run()
        }
    }
}

/// An option of the quick reader's tables: its long name (or `-e`) and whether it takes a value.
struct QuickOption {
    enum Kind: Equatable {
        case flag
        case value(repeatable: Bool)
    }

    let name: String
    let kind: Kind
    /// Other spellings (`--execute` for `-e`).
    var aliases: [String] = []

    static func flag(_ name: String) -> QuickOption { QuickOption(name: name, kind: .flag) }
    static func value(_ name: String, repeatable: Bool = false) -> QuickOption { QuickOption(name: name, kind: .value(repeatable: repeatable)) }

    static func table(_ options: [QuickOption]) -> [String: QuickOption] {
        var table: [String: QuickOption] = [:]
        for option in options {
            for spelling in [option.name] + option.aliases { table[spelling] = QuickOption(name: option.name, kind: option.kind) }
        }
        return table
    }

    /// `GlobalOptions`, as ArgumentParser names them; `ArgumentOrder` moves these from before a
    /// subcommand's name to after it.
    static let global: [QuickOption] = [
        .value("--backend"), .value("--db"), .value("--url"), .value("--user"), .value("--format"), .value("--tz"),
        .value("--color"), .value("--profile"), .value("--wire"), .flag("--insecure"), .value("--timeout"),
        .value("--max-requests"), .value("--param", repeatable: true), .flag("--all"), .flag("--fail-empty"),
    ]
    static let script: [QuickOption] = [.flag("--bail"), .flag("--echo")]
    static let execute: [QuickOption] = [QuickOption(name: "-e", kind: .value(repeatable: true), aliases: ["--execute"])]
}

extension GlobalOptions {
    /// Every property from the quick reader's arguments (nil when a value does not convert).
    init?(parsed: inout QuickParse.Parsed) {
        self.init()
        backend = parsed.argument("--backend")
        db = parsed.value("--db")
        url = parsed.value("--url")
        user = parsed.value("--user")
        format = parsed.argument("--format")
        tz = parsed.value("--tz")
        color = parsed.argument("--color") ?? .auto
        profile = parsed.value("--profile")
        wire = parsed.argument("--wire")
        insecure = parsed.flag("--insecure")
        timeout = parsed.argument("--timeout")
        maxRequests = parsed.argument("--max-requests") ?? 32
        params = parsed.values("--param")
        all = parsed.flag("--all")
        failEmpty = parsed.flag("--fail-empty")
        var options = self
        guard (try? options.validate()) != nil else { return nil }
    }
}

extension ScriptOptions {
    init(parsed: inout QuickParse.Parsed) {
        self.init()
        bail = parsed.flag("--bail")
        echo = parsed.flag("--echo")
    }
}

extension QueryInputs {
    init(parsed: inout QuickParse.Parsed) {
        self.init()
        expressions = parsed.values("-e")
        files = parsed.positionals
    }
}
