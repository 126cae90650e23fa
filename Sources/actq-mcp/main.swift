// `actq mcp`'s server: `actq` replaces itself with this executable (see `MCPServer`), which runs
// the same command line with the MCP SDK linked in.
import ActivityAgent
import ActqCommands
import MCP

MCPServer.serve = { setup in
    let tools = AgentTools(backend: setup.backend, context: setup.context, options: setup.options, wire: setup.wire)
    let server = await AgentServer.make(tools: tools, version: setup.version)
    // Every request read is answered before the server ends with its input.
    try await server.start(transport: AnsweringTransport(StdioTransport()))
    await server.waitUntilCompleted()
}
await ActqMain.run()
