import ActivityQuery
import ActivityModel
import ActivityRemote
import ActivityStore
import ArgumentParser
import Foundation

/// How ArgumentParser reads how scripts run (`ScriptOptions`).
struct ScriptArguments: ParsableArguments {
    @Flag(help: "Stop at the first query that fails.")
    var bail = false

    @Flag(help: "Print each query (to stdout) before its result.")
    var echo = false

    /// The values read.
    var options: ScriptOptions { ScriptOptions(bail: bail, echo: echo) }
}

/// How scripts run: every query and the worst exit code, or stop at the first failure.
struct ScriptOptions {
    var bail = false
    var echo = false
}

struct RunCommand: ActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the queries of DSL files.")

    @Argument(help: ArgumentHelp("Files of queries ('-' for standard input).", valueName: "file"))
    var files: [String] = []

    @OptionGroup var scriptArguments: ScriptArguments
    @OptionGroup var globalArguments: GlobalArguments

    var action: Run { Run(files: files, script: scriptArguments.options, global: globalArguments.options) }

    /// `actq run`, given its options.
    struct Run: CommandAction {
        var files: [String]
        var script: ScriptOptions
        var global: GlobalOptions

        func run() throws {
            let sources = try (files.isEmpty ? ["-"] : files).map(QueryInputs.read)
            throw ExitCode(QueryRunner(global: global, script: script).run(sources))
        }
    }
}

/// `actq` with no subcommand: `-e` queries, or the queries on standard input.
struct QueryCommand: ActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run queries given with -e or on standard input (the default command).",
        // This command runs when no other is named: its usage is the top-level one.
        usage: "actq [-e <query> ...] [<options>]",
        shouldDisplay: false)

    @Option(name: [.customShort("e"), .customLong("execute")], help: ArgumentHelp("A query to run (repeatable).", valueName: "query"))
    var expressions: [String] = []

    @Flag(name: .customLong("no-rc"), help: "Do not read the start-up file (actqrc) of the REPL.")
    var noRC = false

    @OptionGroup var scriptArguments: ScriptArguments
    @OptionGroup var globalArguments: GlobalArguments

    var action: Query {
        Query(expressions: expressions, noRC: noRC, script: scriptArguments.options, global: globalArguments.options)
    }

    /// `actq` with no subcommand, given its options.
    struct Query: CommandAction {
        var expressions: [String]
        var noRC: Bool
        var script: ScriptOptions
        var global: GlobalOptions

        func run() throws {
            if expressions.isEmpty, isatty(STDIN_FILENO) != 0 {
                throw ExitCode(try REPL(global: global, readStartupFile: !noRC).run())
            }
            let sources = expressions.isEmpty
                ? [try QueryInputs.read("-")]
                : expressions.map { SourceText(name: "<expr>", $0) }
            throw ExitCode(QueryRunner(global: global, script: script).run(sources))
        }
    }
}

/// Runs queries on the configured backend and prints their results.
struct QueryRunner {
    let global: GlobalOptions
    var script = ScriptOptions()

    func run(_ sources: [SourceText]) -> Int32 {
        do {
            return try runOrThrow(sources)
        } catch let failure as CommandFailure {
            Output.error("actq: \(failure.description)\n")
            return failure.exitCode
        } catch {
            Output.error("actq: \(error)\n")
            return Exit.runtimeFailure
        }
    }

    private func runOrThrow(_ sources: [SourceText]) throws -> Int32 {
        let context = try global.dateContext()
        let printer = DiagnosticPrinter(global: global)
        let format = ResultFormat(rawValue: (global.format ?? .table).rawValue) ?? .table
        let output = StandardOutput()
        defer { output.flush() }
        let humans = isatty(STDERR_FILENO) != 0
        var backend: (any ActivityBackend)?
        var worst = Exit.success
        var empty = false
        for source in sources {
            for compiled in QueryCompiler.compile(source, context: context, options: global.planOptions) {
                if worst != Exit.success, script.bail { break }
                if script.echo, !compiled.syntax.tokens.isEmpty {
                    output.write(source.text(compiled.range).replacingOccurrences(of: "\n", with: " ") + "\n")
                }
                if printer.report(compiled.diagnostics, in: source) {
                    worst = max(worst, Exit.queryErrors)
                    continue
                }
                guard let plan = compiled.plan else { continue }
                if backend == nil {
                    let opened = try Backends.open(global)
                    Self.keepUntilExit(opened)
                    backend = opened
                }
                let started = DispatchTime.now()
                let info: SearchSummary
                do {
                    var resultPrinter = ResultPrinter(format: format, context: context, output: output)
                    if global.color == .never { resultPrinter.plainBars = true }
                    info = try resultPrinter.print(plan, all: global.all, backend: backend!)
                } catch let failure as CommandFailure {
                    throw failure
                } catch let problem as Counting.NeedsValues {
                    Output.error("actq: \(problem.description)\n")
                    worst = max(worst, Exit.queryErrors)
                    continue
                } catch let error as RemoteError {
                    // No server or no login: the next queries would fail the same way.
                    if error.kind != .failed { throw CommandFailure(error) }
                    Output.error("actq: \(error.message)\n")
                    worst = max(worst, Exit.runtimeFailure)
                    continue
                } catch {
                    Output.error("actq: the query failed: \(error)\n")
                    worst = max(worst, Exit.runtimeFailure)
                    continue
                }
                if info.total == 0 { empty = true }
                if humans {
                    output.flush()
                    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
                    Output.error(Self.summary(info, elapsed: elapsed) + "\n")
                }
            }
        }
        if worst == Exit.success, empty, global.failEmpty { return Exit.noMatches }
        return worst
    }

    /// A SQLite store a one-shot run opened is never closed: the process exits right after, and
    /// the exit lets go of its read-only connection (nothing in it to write back). Released, the
    /// store's GRDB queue would ask Foundation's NotificationCenter to remove it as an observer
    /// (of memory warnings, which Linux does not send), starting up the notification center on the
    /// way: 1.3 M instructions, a fifth of a cold query. (A PostgreSQL connection is closed properly: the server would
    /// log every connection that just went away.)
    private static let keptStores = Locked<[ActivityStore]>([])

    private static func keepUntilExit(_ backend: any ActivityBackend) {
        if let store = backend as? ActivityStore { keptStores.withLock { $0.append(store) } }
    }

    /// `25 of 1,234 activities (page 1 of 50), 3.2 ms`
    /// The summary line: count, window and requests, then the time taken unless `elapsed` is nil.
    static func summary(_ info: SearchSummary, elapsed: Double?) -> String {
        let noun = info.total == 1 ? "activity" : "activities"
        var text = info.returned == info.total
            ? "\(grouped(info.total)) \(noun)"
            : "\(grouped(info.returned)) of \(grouped(info.total)) \(noun)"
        switch info.window {
        case .page(let number, let size)?:
            let pages = max(1, (info.total + (size ?? 25) - 1) / (size ?? 25))
            text += " (page \(number) of \(pages))"
        case .range(let start, _)?:
            if info.returned > 0 { text += " (\(start)–\(start + info.returned - 1))" }
        case nil:
            break
        }
        if info.requests > 1 { text += ", \(info.requests) requests" }
        return text + (elapsed.map { String(format: ", %.1f ms", $0) } ?? "")
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}

struct Cancelled: Error {}

/// Streams one result in the chosen format.
struct ResultPrinter {
    let format: ResultFormat
    let context: DateContext
    let output: StandardOutput
    /// Table width: the terminal's by default; nil for no limit.
    var width: Int? = ResultPrinter.terminalWidth
    /// Tables too wide for `width` are shown as vertical blocks instead (psql's `\x auto`).
    var autoVertical = false
    /// Checked between rows: a cancelled result stops with `Cancelled`.
    var isCancelled: () -> Bool = { false }
    /// Count bars in `#` (`--color never`, or no UTF-8 locale).
    var plainBars = ResultPrinter.asciiOnly

    /// Terminal width of stdout, when it is a terminal (tables are not cut when piped).
    static var terminalWidth: Int? {
        guard isatty(STDOUT_FILENO) != 0 else { return nil }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return Environment["COLUMNS"].flatMap(Int.init)
    }

    /// Whether the locale cannot show Unicode block characters.
    static var asciiOnly: Bool {
        let environment = Environment.self
        let locale = environment["LC_ALL"] ?? environment["LC_CTYPE"] ?? environment["LANG"] ?? ""
        return !(locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8"))
    }

    func print(_ plan: QueryPlan, all: Bool, backend: any ActivityBackend) throws -> SearchSummary {
        if plan.aggregation != nil {
            return try CountPrinter(format: format, output: output, plainBars: plainBars, width: width).print(plan, all: all, backend: backend)
        }
        var writer: any ResultWriter
        switch format {
        case .json: writer = JSONResultWriter()
        case .ndjson: writer = NDJSONResultWriter()
        case .csv: writer = CSVResultWriter()
        case .xml: writer = XMLResultWriter()
        case .vertical: writer = VerticalResultWriter(context: context)
        case .table: return try table(plan, all: all, backend: backend)
        }
        output.write(writer.begin())
        var printed = 0
        let summary = try reportingIncomplete(printed: { printed }) {
            try backend.search(plan, all: all) { row in
                if isCancelled() { throw Cancelled() }
                output.write(try writer.row(json: row.json))
                printed += 1
            }
        }
        output.write(writer.end(summary))
        return summary
    }

    /// Tables are laid out a block of rows at a time, so that `--all` still streams.
    /// A search that fails after some rows were written says so, so that a cut result is never
    /// taken for a whole one (the exit code says it too).
    private func reportingIncomplete<T>(printed: () -> Int, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            let count = printed()
            if count > 0, !(error is Cancelled) {
                output.flush()
                Output.error("actq: the result is incomplete: \(count) \(count == 1 ? "activity was" : "activities were") printed before the failure\n")
            }
            throw error
        }
    }

    private func table(_ plan: QueryPlan, all: Bool, backend: any ActivityBackend) throws -> SearchSummary {
        var rows: [[String]] = []
        var number = 0
        func flush() {
            guard !rows.isEmpty else { return }
            let layout = TableLayout(headers: ActivityColumns.tableHeaders, rows: rows)
            if autoVertical, let width, layout.overflows(width) {
                for values in layout.rows {
                    number += 1
                    output.write(VerticalResultWriter.block(number: number, headers: layout.headers, values: values))
                }
            } else {
                output.write(layout.render(width: width))
            }
            rows.removeAll(keepingCapacity: true)
        }
        var printed = 0
        let summary = try reportingIncomplete(printed: { printed }) {
            try backend.search(plan, all: all) { row in
                if isCancelled() { throw Cancelled() }
                guard case .object(let resource) = try JSONParser.parse(Array(row.json.utf8)) else { return }
                rows.append(ActivityColumns.tableValues(resource, context: context))
                if rows.count == 1000 {
                    printed += rows.count
                    flush()
                }
            }
        }
        flush()
        return summary
    }
}
