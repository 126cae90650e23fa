import ActivityAgent
import ArgumentParser
import Foundation
import MCP

/// `actq mcp`: an MCP server over stdio (newline-delimited JSON-RPC) for AI agents.
struct McpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Run an MCP server over stdio: validated activity searches for AI agents.",
        discussion: """
            Tools: search_activities, check_query, explain_query, query_from_url, count_activities. \
            Resources: the language reference, the grammar and the API's example searches. Read only; \
            credentials come from the profile or the environment, never from a prompt.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let global = global
        let tools = AgentTools(backend: { try Backends.open(global, interactive: false) }, context: try global.dateClock(),
                               options: global.planOptions, wire: global.wire ?? .json)
        let server = await AgentServer.make(tools: tools, version: Version.number)
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }
}
