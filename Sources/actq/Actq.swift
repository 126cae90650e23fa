import ActivityQuery
import ArgumentParser
import Foundation

@main
struct Actq: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actq",
        abstract: "Query activities of an eGain / Cisco ECE deployment.",
        usage: """
            actq [-e <query> ...] [<options>]       run queries (standard input when no -e)
            actq <subcommand> [<options>]
            """,
        discussion: """
            Type a query such as
              status = open and lastModifiedDate >= -7d sort by lastModifiedDate desc
            actq checks it against the activity search API's rules, turns it into the exact API \
            request and runs it.

            \(Exit.summary)
            """,
        subcommands: [QueryCommand.self, RunCommand.self, CheckCommand.self, ExplainCommand.self, FmtCommand.self, FromURLCommand.self, ImportCommand.self, DemoCommand.self, ServeCommand.self, LoginCommand.self, LogoutCommand.self, LspCommand.self],
        defaultSubcommand: QueryCommand.self
    )

    static func main() {
        let names = Set(configuration.subcommands.map { $0._commandName })
        let arguments = ArgumentOrder.normalize(Array(CommandLine.arguments.dropFirst()), subcommands: names)
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let failure as CommandFailure {
            Output.error("actq: \(failure.description)\n")
            Foundation.exit(failure.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}
