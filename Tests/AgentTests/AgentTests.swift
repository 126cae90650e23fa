import ActivityModel
import ActivityQuery
import ActivityStore
import ActqTestSupport
import Foundation
import MCP
import Testing

@testable import ActivityAgent

/// `actq mcp`'s tools, resources and prompt through the MCP SDK's own client, in process (an
/// in-memory transport), over a store imported from the fixture.
@Suite struct AgentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtureJSON = root.appendingPathComponent("Tests/ActivityStoreTests/Fixtures/activities.json").path
    static let context = DateContext(now: 1_718_452_800_000, timeZone: TimeZone(identifier: "UTC")!)

    static let storePath: Swift.Result<String, Error> = Swift.Result {
        let path = Scratch.path("agent", ".sqlite")
        _ = try Importer.run(files: [fixtureJSON], into: try ActivityStore(path: path))
        return path
    }

    /// A client connected to a server over `backend`.
    static func client(backend: @escaping () throws -> any ActivityBackend) async throws -> (Client, Server) {
        let tools = AgentTools(backend: backend, context: { context })
        let server = await AgentServer.make(tools: tools, version: "test")
        let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
        try await server.start(transport: serverSide)
        let client = Client(name: "agent-tests", version: "1")
        _ = try await client.connect(transport: clientSide)
        return (client, server)
    }

    static func call(_ client: Client, _ name: String, _ arguments: [String: Value]) async throws -> CallTool.Result {
        let context: RequestContext<CallTool.Result> = try await client.callTool(name: name, arguments: arguments)
        return try await context.value
    }

    static func object(_ result: CallTool.Result) throws -> [String: Value] {
        guard case .object(let object)? = result.structuredContent else {
            Issue.record("no structured content")
            return [:]
        }
        return object
    }

    static func localClient() async throws -> (Client, Server) {
        let path = try storePath.get()
        return try await client { try ActivityStore(path: path, readOnly: true) }
    }

    /// IDs and count of a query straight from the store, to compare with the tool.
    static func direct(_ text: String) throws -> (ids: [Int], total: Int) {
        let plan = try #require(QueryCompiler.compile(text, context: context).first?.plan)
        var ids: [Int] = []
        let summary = try ActivityStore(path: try storePath.get(), readOnly: true).search(plan, all: false) { ids.append(Int($0.id)) }
        return (ids, summary.total)
    }

    @Test func theToolsAreListedWithSchemas() async throws {
        let (client, server) = try await Self.localClient()
        defer { Task { await server.stop() } }
        let (tools, _) = try await client.listTools()
        #expect(Set(tools.map(\.name)) == ["search_activities", "check_query", "explain_query", "query_from_url", "count_activities"])
        for tool in tools {
            guard case .object(let schema) = tool.inputSchema, case .array(let required)? = schema["required"] else {
                Issue.record("\(tool.name) has no schema with required arguments")
                continue
            }
            #expect(!required.isEmpty)
            #expect(tool.annotations.readOnlyHint == true)
        }
    }

    @Test func searchReturnsTheStoresAnswerAndItsRequests() async throws {
        let (client, server) = try await Self.localClient()
        defer { Task { await server.stop() } }
        let text = "customer in (1002, 10021) sort by createdDate desc page 1 size 5"
        let result = try await Self.call(client, "search_activities", ["query": .string(text)])
        #expect(result.isError != true)
        let object = try Self.object(result)
        let expected = try Self.direct(text)
        guard case .array(let activities)? = object["activities"] else { Issue.record("no activities"); return }
        let ids = activities.compactMap { activity -> Int? in
            if case .object(let fields) = activity, case .int(let id)? = fields["id"] { return id }
            return nil
        }
        #expect(!ids.isEmpty && ids == expected.ids)
        #expect(object["count"] == .int(expected.total))
        #expect(object["requests"] == .array(QueryCompiler.compile(text, context: Self.context)[0].requests.map { .string($0.pathAndQuery) }))
        guard case .text(let summary, _, _)? = result.content.first else { Issue.record("no text"); return }
        #expect(summary.hasPrefix("\(expected.total) activities match; \(ids.count) returned"))

        // A limit below the page: at most that many, with a note saying how many match.
        let limited = try Self.object(try await Self.call(client, "search_activities", ["query": .string(text), "limit": 2]))
        guard case .array(let two)? = limited["activities"] else { Issue.record("no activities"); return }
        #expect(two.count == 2)
        #expect(limited["note"] != nil)
    }

    @Test func aBadQueryIsAToolErrorWithItsDiagnostics() async throws {
        let (client, server) = try await Self.localClient()
        defer { Task { await server.stop() } }
        for tool in ["search_activities", "explain_query", "count_activities"] {
            let result = try await Self.call(client, tool, ["query": "type = email"])
            #expect(result.isError == true, "\(tool)")
            guard case .array(let diagnostics)? = try Self.object(result)["diagnostics"],
                  case .object(let first)? = diagnostics.first else { Issue.record("\(tool): no diagnostics"); continue }
            #expect(first["code"] == "V007")
        }
        let check = try Self.object(try await Self.call(client, "check_query", ["query": "stauts = open"]))
        #expect(check["valid"] == false)
        guard case .array(let diagnostics)? = check["diagnostics"], case .object(let first)? = diagnostics.first,
              case .array(let fixIts)? = first["fixIts"], case .object(let fix)? = fixIts.first else {
            Issue.record("no fix-it: \(check)")
            return
        }
        #expect(first["code"] == "V001")
        #expect(fix["replacement"] == "status")
        #expect(try Self.object(try await Self.call(client, "check_query", ["query": "status = open"]))["valid"] == true)
        let two = try await Self.call(client, "search_activities", ["query": "status = open; queue = 1000"])
        #expect(two.isError == true)
        let missing = try await Self.call(client, "search_activities", [:])
        #expect(missing.isError == true)
        let unknown = try await Self.call(client, "drop_tables", ["query": "status = open"])
        #expect(unknown.isError == true)
    }

    @Test func explainCountAndFromURL() async throws {
        let (client, server) = try await Self.localClient()
        defer { Task { await server.stop() } }
        let text = "status = open and lastModifiedDate >= -7d"
        let explained = try Self.object(try await Self.call(client, "explain_query", ["query": .string(text)]))
        guard case .array(let requests)? = explained["requests"], case .object(let request)? = requests.first else {
            Issue.record("no request")
            return
        }
        let url = QueryCompiler.compile(text, context: Self.context)[0].requests[0].pathAndQuery
        #expect(request["url"] == .string(url))
        #expect(url.contains("lastModifiedDate=[2024-06-08T12:00:00.000Z,]"))
        let counted = try Self.object(try await Self.call(client, "count_activities", ["query": "customer = 1002"]))
        #expect(counted["count"] == .int(try Self.direct("customer = 1002").total))
        let grouped = try Self.object(try await Self.call(client, "count_activities", ["query": "customer in (1002, 10021) count by customer"]))
        guard case .array(let groups)? = grouped["groups"] else { Issue.record("no groups: \(grouped)"); return }
        #expect(groups == [.object(["value": "1002", "count": .int(try Self.direct("customer = 1002").total)]),
                           .object(["value": "10021", "count": .int(try Self.direct("customer = 10021").total)])])
        let back = try Self.object(try await Self.call(client, "query_from_url", ["url": .string("https://host/system" + url)]))
        #expect(back["query"] == .string("status = open and lastModifiedDate >= 2024-06-08T12:00:00.000Z"))
        let bad = try await Self.call(client, "query_from_url", ["url": "status=open&colour=red"])
        #expect(bad.isError == true)
    }

    @Test func aFailingBackendIsAToolErrorWithItsReason() async throws {
        let notAStore = Scratch.path("not-a-store", ".sqlite")
        try Data("this is not SQLite".utf8).write(to: URL(fileURLWithPath: notAStore))
        let (client, server) = try await Self.client { try ActivityStore(path: notAStore, readOnly: true) }
        defer { Task { await server.stop() } }
        let result = try await Self.call(client, "search_activities", ["query": "status = open"])
        #expect(result.isError == true)
        guard case .text(let text, _, _)? = result.content.first else { Issue.record("no text"); return }
        #expect(text.contains("is not an actq store"), "\(text)")
        #expect(!text.contains("\n"))
    }

    @Test func resourcesAndThePrompt() async throws {
        let (client, server) = try await Self.localClient()
        defer { Task { await server.stop() } }
        let (resources, _) = try await client.listResources()
        #expect(Set(resources.map(\.uri)) == ["actq://reference/language", "actq://grammar/actq.ebnf", "actq://examples/api-searches"])
        let reference = try await client.readResource(uri: "actq://reference/language")
        let text = try #require(reference.first?.text)
        for filter in FixedFilter.allCases { #expect(text.contains("`\(filter.name)`"), "\(filter.name)") }
        #expect(text.contains("no `!=`"))
        let grammar = try await client.readResource(uri: "actq://grammar/actq.ebnf")
        #expect(grammar.first?.text == EmbeddedFiles.grammar)
        let prompt = try await client.getPrompt(name: "search_activities", arguments: ["question": "open chats this week"])
        #expect(prompt.messages.count == 1)
    }

    /// The embedded texts are the files (`Tests/AgentTests/embed_texts.py` writes them).
    @Test func theEmbeddedGrammarAndExamplesAreTheFiles() throws {
        let grammar = try String(contentsOf: Self.root.appendingPathComponent("grammar/actq.ebnf"), encoding: .utf8)
        #expect(EmbeddedFiles.grammar == grammar.trimmingCharacters(in: .newlines), "run Tests/AgentTests/embed_texts.py")
        let examples = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("examples").path)
            .filter { $0.hasPrefix("0") && $0.hasSuffix(".actq") }.sorted()
        #expect(examples.count == 9)
        let joined = try examples.map {
            try String(contentsOf: Self.root.appendingPathComponent("examples/\($0)"), encoding: .utf8).trimmingCharacters(in: .newlines) + "\n"
        }.joined(separator: "\n")
        #expect(EmbeddedFiles.examples == joined.trimmingCharacters(in: .newlines), "run Tests/AgentTests/embed_texts.py")
    }
}
