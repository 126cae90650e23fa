import ActivityQuery
import ArgumentParser
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the queries of DSL files.")

    @Argument(help: ArgumentHelp("Files of queries ('-' for standard input).", valueName: "file"))
    var files: [String] = []

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let sources = try (files.isEmpty ? ["-"] : files).map(QueryInputs.read)
        throw ExitCode(QueryRunner(global: global).run(sources))
    }
}

/// `actq` with no subcommand: `-e` queries, or the queries on standard input.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run queries given with -e or on standard input (the default command).",
        shouldDisplay: false)

    @Option(name: [.customShort("e"), .customLong("execute")], help: ArgumentHelp("A query to run (repeatable).", valueName: "query"))
    var expressions: [String] = []

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let sources = expressions.isEmpty
            ? [try QueryInputs.read("-")]
            : expressions.map { SourceText(name: "<expr>", $0) }
        throw ExitCode(QueryRunner(global: global).run(sources))
    }
}

/// Runs queries on the configured backend.
struct QueryRunner {
    let global: GlobalOptions

    func run(_ sources: [SourceText]) -> Int32 {
        let context: DateContext
        do { context = try global.dateContext() } catch {
            Output.error("actq: \(error)\n")
            return Exit.usage
        }
        let printer = DiagnosticPrinter(global: global)
        var worst = Exit.success
        for source in sources {
            for compiled in QueryCompiler.compile(source, context: context) {
                if printer.report(compiled.diagnostics, in: source) {
                    worst = max(worst, Exit.queryErrors)
                    continue
                }
                guard compiled.query != nil else { continue }
                Output.error("actq: no backend can run queries in this build yet; use 'actq explain' to see the request\n")
                return Exit.backendUnavailable
            }
        }
        return worst
    }
}
