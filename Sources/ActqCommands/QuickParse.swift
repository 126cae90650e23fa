import ArgumentParser
import Foundation

/// The common command lines — `-e` queries, `explain`, `check`, `run`, `lsp` with the global
/// options — read without ArgumentParser's reflection.
///
/// ArgumentParser builds each command from its `Mirror`, resolving every property wrapper's type
/// by its mangled name and finding its conformances by scanning every conformance record of the
/// image: two thirds of a cold `actq explain`'s instructions. This reader knows the options of
/// those few commands from tables (`QuickOption`) and builds the commands' actions (plain values,
/// no property wrappers) directly, with the same `validate()`. It accepts only what it is sure
/// of: anything else (help, `--`, an unknown or repeated option, a value that does not convert, a
/// failing validation, a stray positional) returns nil and ArgumentParser parses the line, so
/// every help text, error and completion script stays ArgumentParser's own.
/// `QuickParseTests` hold it to ArgumentParser: the same names and kinds as `--experimental-dump-help`,
/// the same values for a corpus of command lines.
enum QuickParse {
    /// The command to run for `arguments` (normalized by `ArgumentOrder`), or nil.
    static func command(_ arguments: [String]) -> QuickCommand? {
        if Environment["ACTQ_FULL_PARSE"] != nil { return nil }
        var rest = arguments[...]
        let name = rest.first.flatMap { Subcommand(rawValue: $0) }
        if name != nil { rest = rest.dropFirst() }
        let subcommand = name ?? .query
        guard var parsed = Parsed(rest, options: subcommand.options, positionals: subcommand.takesFiles) else { return nil }
        guard let global = GlobalOptions(parsed: &parsed) else { return nil }
        // Each action is built first and then finished: `finish` must see what building it read.
        let action: any CommandAction
        switch subcommand {
        case .query:
            action = QueryCommand.Query(expressions: parsed.values("-e"), noRC: parsed.flag("--no-rc"),
                                        script: ScriptOptions(parsed: &parsed), global: global)
        case .explain:
            action = ExplainCommand.Explain(inputs: QueryInputs(parsed: &parsed), global: global)
        case .check:
            action = CheckCommand.Check(inputs: QueryInputs(parsed: &parsed), global: global)
        case .run:
            action = RunCommand.Run(files: parsed.positionals, script: ScriptOptions(parsed: &parsed), global: global)
        case .lsp:
            action = LspCommand.Lsp(global: global)
        }
        return parsed.finish(action)
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

        /// Whether every value so far converted.
        var isValid: Bool { valid }

        init?(_ arguments: ArraySlice<String>, options: [String: QuickOption], positionals allowed: Bool) {
            unused = []
            var index = arguments.startIndex
            while index < arguments.endIndex {
                let argument = arguments[index]
                index += 1
                if argument == "-" || !argument.hasPrefix("-") {
                    // A file; never a subcommand's name or `help` (ArgumentParser decides those).
                    guard allowed, argument != "help", !Actq.subcommandNames.contains(argument) else { return nil }
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

        /// The command, if every option given was read and every value converted.
        func finish(_ action: any CommandAction) -> QuickCommand? {
            guard valid, unused.isEmpty else { return nil }
            return QuickCommand(action: action)
        }
    }
}

/// A command line read by `QuickParse`: what to run.
struct QuickCommand {
    let action: any CommandAction

    func run() throws {
        try action.run()
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
    /// Every option from the quick reader's arguments, validated as `GlobalArguments` validates
    /// them (nil when a value does not convert or validate).
    init?(parsed: inout QuickParse.Parsed) {
        self.init()
        backend = parsed.argument("--backend")
        db = parsed.value("--db")
        url = parsed.value("--url")
        user = parsed.value("--user")
        format = parsed.argument("--format")
        tz = parsed.value("--tz")
        color = parsed.argument("--color") ?? color
        profile = parsed.value("--profile")
        wire = parsed.argument("--wire")
        insecure = parsed.flag("--insecure")
        timeout = parsed.argument("--timeout")
        maxRequests = parsed.argument("--max-requests") ?? maxRequests
        params = parsed.values("--param")
        all = parsed.flag("--all")
        failEmpty = parsed.flag("--fail-empty")
        guard parsed.isValid, (try? validate()) != nil else { return nil }
    }
}

extension ScriptOptions {
    init(parsed: inout QuickParse.Parsed) {
        self.init(bail: parsed.flag("--bail"), echo: parsed.flag("--echo"))
    }
}

extension QueryInputs {
    init(parsed: inout QuickParse.Parsed) {
        self.init(expressions: parsed.values("-e"), files: parsed.positionals)
    }
}

/// What a command does, given its options as values: run by its ArgumentParser command, or
/// straight from `QuickParse` (which builds it without ArgumentParser's property wrappers).
protocol CommandAction {
    func run() throws
}

/// A command whose work is a `CommandAction` built from what ArgumentParser parsed. Such a
/// command has no `validate()` of its own: its options' groups validate (`GlobalOptions`), the
/// same on either path.
protocol ActionCommand: ParsableCommand {
    associatedtype Action: CommandAction
    var action: Action { get }
}

extension ActionCommand {
    func run() throws {
        try action.run()
    }
}
