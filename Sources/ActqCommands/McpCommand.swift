import ActivityModel
import ActivityQuery
import ArgumentParser
import Foundation

/// `actq mcp`: an MCP server over stdio (newline-delimited JSON-RPC) for AI agents.
///
/// The server is a separate executable, `actq-mcp`, installed beside `actq` (or in
/// `../libexec/actq`): the MCP SDK brings Foundation's networking and libcurl with some thirty
/// shared libraries, which every `actq` start would otherwise load and relocate. `actq mcp`
/// parses its options as any command does, then replaces itself with `actq-mcp` and the same
/// arguments; there `MCPServer.serve` is set and the server runs.
struct McpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Run an MCP server over stdio: validated activity searches for AI agents.",
        discussion: """
            Tools: search_activities, check_query, explain_query, query_from_url, count_activities. \
            Resources: the language reference, the grammar and the API's example searches. Read only; \
            credentials come from the profile or the environment, never from a prompt.
            """)

    @OptionGroup var globalArguments: GlobalArguments
    var global: GlobalOptions { globalArguments.options }

    func run() async throws {
        let global = global
        guard let serve = MCPServer.serve else { try MCPServer.execHelper() }
        try await serve(MCPServer.Setup(backend: { try Backends.open(global, interactive: false) }, context: try global.dateClock(),
                                        options: global.planOptions, wire: global.wire ?? .json, version: Version.number))
    }
}

/// The hook between `actq mcp` and the `actq-mcp` executable that serves it.
public enum MCPServer {
    /// What the server needs from the command line.
    public struct Setup {
        /// Opens the backend the options name (when first needed).
        public let backend: () throws -> any ActivityBackend
        /// The clock and zone of queries.
        public let context: @Sendable () -> DateContext
        /// `--max-requests` and `--param`.
        public let options: PlanOptions
        /// `--wire` (JSON unless given).
        public let wire: Wire
        /// actq's version, for the server's `initialize` answer.
        public let version: String
    }

    /// Runs the server; set by `actq-mcp` before it runs the command line (nil in `actq`).
    nonisolated(unsafe) public static var serve: ((Setup) async throws -> Void)?

    /// The name of the executable that serves `actq mcp`.
    static let helperName = "actq-mcp"

    /// Where `actq-mcp` may be: beside this executable, or in `../libexec/actq` (an install).
    static func helperCandidates() -> [String] {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        return [
            directory.appendingPathComponent(helperName).path,
            directory.deletingLastPathComponent().appendingPathComponent("libexec/actq/\(helperName)").path,
        ]
    }

    /// Replaces this process with `actq-mcp` and the same arguments; throws when there is none.
    static func execHelper() throws -> Never {
        let candidates = helperCandidates()
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            let arguments = [path] + CommandLine.arguments.dropFirst()
            var pointers = arguments.map { strdup($0) } + [nil]
            execv(path, &pointers)
            let reason = String(cString: strerror(errno))
            throw CommandFailure.runtime("cannot start the MCP server \(path): \(reason)")
        }
        throw CommandFailure.runtime("the MCP server (\(helperName)) is not installed; looked in \(candidates.joined(separator: " and "))")
    }
}
