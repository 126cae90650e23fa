import ActivityQuery
import ArgumentParser
import Foundation

/// The `actq` command line: what the `actq` executable (and `actq-mcp`, the MCP server it
/// starts for `actq mcp`) runs.
public enum ActqMain {
    /// Parses the process's arguments and runs the command; exits with its status.
    public static func run() async {
        await Actq.main()
    }
}

struct Actq: AsyncParsableCommand {
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
        version: Version.line,
        subcommands: [QueryCommand.self, RunCommand.self, CheckCommand.self, ExplainCommand.self, FmtCommand.self, FromURLCommand.self, ImportCommand.self, DemoCommand.self, ServeCommand.self, LoginCommand.self, LogoutCommand.self, LspCommand.self, McpCommand.self, WatchCommand.self, VersionCommand.self],
        defaultSubcommand: QueryCommand.self
    )

    /// The names of the subcommands, as typed (equal to what `configuration` lists: tested), known
    /// without building every subcommand's configuration.
    static let subcommandNames: Set<String> = [
        "query", "run", "check", "explain", "fmt", "from-url", "import", "demo", "serve", "login", "logout", "lsp", "mcp",
        "watch", "version",
    ]

    static func main() async {
        let names = subcommandNames
        let given = Array(CommandLine.arguments.dropFirst())
        if given == ["--version"] {
            Output.write(Version.line + "\n")
            return
        }
        let arguments = ArgumentOrder.normalize(given, subcommands: names)
        do {
            if let quick = QuickParse.command(arguments) {
                try quick.run()
                return
            }
            var command = try parseAsRoot(arguments)
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            // How a command ends with a status (every query run does): nothing to print.
            Foundation.exit(code.rawValue)
        } catch let failure as CommandFailure {
            Output.error("actq: \(failure.description)\n")
            Foundation.exit(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            guard code != .success, !(error is CleanExit), !(error is ExitCode) else { exit(withError: error) }
            // The default command runs when no subcommand is named: its mistakes are the
            // top-level command's, and are told as `actq …`, the way the user typed it.
            let message = fullMessage(for: error).replacingOccurrences(of: "'actq query --help'", with: "'actq --help'")
            Output.error(message + "\n")
            Foundation.exit(code.rawValue)
        }
    }
}
