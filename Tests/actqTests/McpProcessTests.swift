import ActqTestSupport
import Foundation
import Testing

/// `actq mcp` as a pipe: a client that writes its requests and closes its end gets every answer
/// (the server handles each request on its own task; it used to end with its input, first).
@Suite struct McpProcessTests {
    @Test func everyRequestPipedInIsAnswered() throws {
        let store = try ActqProcess.fixtureStore.get()
        let requests = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":"two","method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"check_query","arguments":{"query":"status = opn"}}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"search_activities","arguments":{"query":"customer = 1002"}}}"#,
        ]
        let result = try ActqProcess.run(["mcp", "--db", store], stdin: Data((requests.joined(separator: "\n") + "\n").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        var answered: [String] = []
        for line in result.stdout.split(separator: "\n") {
            let message = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(message["error"] == nil, "\(line)")
            answered.append("\(message["id"] ?? "none")")
        }
        #expect(answered.sorted() == ["1", "3", "4", "two"], "\(result.stdout)")
    }

    /// IDs the SDK reads as other IDs (`1.0` as 1, `1e2` as 100, null as "") are waited for under
    /// the ID it answers with; IDs it cannot read (`{}`, `1.5`) get an error under an ID of its
    /// own, and are not waited for.
    @Test func requestsWithOddIDsAreAnsweredAndTheServerEnds() throws {
        let store = try ActqProcess.fixtureStore.get()
        let requests = [
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":{},"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":1.5,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":1.0,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":1e2,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":null,"method":"tools/list"}"#,
        ]
        let result = try ActqProcess.run(["mcp", "--db", store], stdin: Data((requests.joined(separator: "\n") + "\n").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        var answered: [String] = []
        for line in result.stdout.split(separator: "\n") {
            let message = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if message["result"] != nil { answered.append("\(message["id"] ?? "none")") }
        }
        #expect(answered.sorted() == ["", "0", "1", "100"], "\(result.stdout)")
    }
}
