import ActivityQuery
import Foundation
import MCP

/// `actq mcp`: the tools of `AgentTools`, the language reference, the grammar and the API's
/// example searches as resources, and a prompt that tells an agent how to write queries, over
/// the Model Context Protocol.
public enum AgentServer {
    /// The tools, each with the JSON Schema of its input.
    public static let tools: [Tool] = [
        Tool(name: "search_activities",
             description: "Run an actq query (checked against the ECE activity search API's rules first) and return the activities, "
                + "the count of all matches and the requests made. Write queries as in the language reference resource, e.g. "
                + "`status = open and queue = 1000 and lastModifiedDate >= -7d sort by lastModifiedDate desc`.",
             inputSchema: schema(["query": ["type": "string", "description": "one actq query"],
                                  "limit": ["type": "integer", "minimum": 1, "maximum": .int(AgentTools.maximumLimit),
                                            "description": "most activities to return (default \(AgentTools.defaultLimit))"],
                                  "all": ["type": "boolean", "description": "follow every page of the result, not only the query's window"]],
                                 required: ["query"]),
             annotations: .init(readOnlyHint: true, openWorldHint: true)),
        Tool(name: "check_query",
             description: "Check an actq query without running it: every diagnostic with its code, severity, message, "
                + "line/column range, notes and fix-its, so that a query can be repaired.",
             inputSchema: schema(["query": ["type": "string"]], required: ["query"]),
             annotations: .init(readOnlyHint: true, openWorldHint: false)),
        Tool(name: "explain_query",
             description: "The exact HTTP request(s) an actq query becomes on the ECE activity search API, and its canonical form.",
             inputSchema: schema(["query": ["type": "string"]], required: ["query"]),
             annotations: .init(readOnlyHint: true, openWorldHint: false)),
        Tool(name: "query_from_url",
             description: "Turn an ECE activity search URL (or its query string) into the actq query it asks for.",
             inputSchema: schema(["url": ["type": "string"]], required: ["url"]),
             annotations: .init(readOnlyHint: true, openWorldHint: false)),
        Tool(name: "count_activities",
             description: "How many activities match an actq query, without fetching them; with `count by FIELD` "
                + "(values from the query's own list, e.g. `queue in (1000, 1001) and status = open count by queue`) "
                + "or `count by createdDate per day|week|month` (over the query's own range), one count per group.",
             inputSchema: schema(["query": ["type": "string"]], required: ["query"]),
             annotations: .init(readOnlyHint: true, openWorldHint: true)),
    ]

    static func schema(_ properties: [String: Value], required: [String]) -> Value {
        .object(["type": "object", "properties": .object(properties), "required": .array(required.map(Value.string)),
                 "additionalProperties": false])
    }

    /// Answers a tool call.
    public static func call(_ parameters: CallTool.Parameters, tools: AgentTools) async -> CallTool.Result {
        let arguments = parameters.arguments ?? [:]
        func string(_ name: String) -> String? { arguments[name]?.stringValue }
        let outcome: ToolOutcome
        switch parameters.name {
        case "search_activities":
            guard let query = string("query") else { return missing("query") }
            outcome = await tools.search(query, limit: arguments["limit"]?.intValue, all: arguments["all"]?.boolValue ?? false)
        case "check_query":
            guard let query = string("query") else { return missing("query") }
            outcome = tools.check(query)
        case "explain_query":
            guard let query = string("query") else { return missing("query") }
            outcome = tools.explain(query)
        case "query_from_url":
            guard let url = string("url") else { return missing("url") }
            outcome = tools.fromURL(url)
        case "count_activities":
            guard let query = string("query") else { return missing("query") }
            outcome = await tools.count(query)
        default:
            return CallTool.Result(content: [.text(text: "no tool named \(parameters.name)", annotations: nil, _meta: nil)], isError: true)
        }
        let structured: Value? = outcome.structured
        return CallTool.Result(content: [.text(text: outcome.text, annotations: nil, _meta: nil)], structuredContent: structured, isError: outcome.isError)
    }

    static func missing(_ name: String) -> CallTool.Result {
        CallTool.Result(content: [.text(text: "the argument '\(name)' (a string) is missing", annotations: nil, _meta: nil)], isError: true)
    }

    // MARK: Resources and the prompt

    /// The resources: URI, name, description, text.
    public static let documents: [(uri: String, name: String, description: String, mimeType: String, text: String)] = [
        ("actq://reference/language", "actq language reference", "Fields, operators, dates, modifiers and what the API cannot do.",
         "text/markdown", LanguageReference.text),
        ("actq://grammar/actq.ebnf", "actq grammar", "The normative EBNF grammar of the language.", "text/plain", EmbeddedFiles.grammar),
        ("actq://examples/api-searches", "The API guide's example searches", "The nine documented example searches as actq queries.",
         "text/plain", EmbeddedFiles.examples),
    ]

    static let promptName = "search_activities"

    /// The server with its handlers; `start(transport:)` runs it.
    public static func make(tools: AgentTools, version: String) async -> Server {
        let server = Server(
            name: "actq", version: version,
            instructions: "Search eGain / Cisco ECE activities with actq queries. Read actq://reference/language first; "
                + "check_query tells what is wrong with a query and how to fix it.",
            capabilities: .init(prompts: .init(listChanged: false), resources: .init(subscribe: false, listChanged: false),
                                tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: Self.tools) }
        await server.withMethodHandler(CallTool.self) { parameters in await Self.call(parameters, tools: tools) }
        await server.withMethodHandler(ListResources.self) { _ in
            ListResources.Result(resources: documents.map {
                Resource(name: $0.name, uri: $0.uri, description: $0.description, mimeType: $0.mimeType)
            })
        }
        await server.withMethodHandler(ReadResource.self) { parameters in
            guard let document = documents.first(where: { $0.uri == parameters.uri }) else {
                throw MCPError.invalidParams("no resource \(parameters.uri)")
            }
            return ReadResource.Result(contents: [.text(document.text, uri: document.uri, mimeType: document.mimeType)])
        }
        await server.withMethodHandler(ListPrompts.self) { _ in
            ListPrompts.Result(prompts: [Prompt(name: promptName, description: "Answer a question about activities with actq queries",
                                                arguments: [.init(name: "question", description: "what to find", required: true)])])
        }
        await server.withMethodHandler(GetPrompt.self) { parameters in
            guard parameters.name == promptName else { throw MCPError.invalidParams("no prompt \(parameters.name)") }
            let question = parameters.arguments?["question"] ?? "(no question given)"
            return GetPrompt.Result(description: "Search activities", messages: [.user(.text(text: LanguageReference.prompt(question)))])
        }
        return server
    }
}

/// The language for an agent, from the filter table and the API's rules.
enum LanguageReference {
    static var text: String {
        var lines = ["# The actq query language", "",
                     "A query is conditions joined by `and` (and `or`, brackets, `in (…)` lists), then modifiers. "
                        + "Keywords and field names are case-insensitive; values keep their case.", "", "## Fields", ""]
        for filter in FixedFilter.allCases {
            let spec = filter.spec
            let kind: String
            switch spec.kind {
            case .id: kind = "ID"
            case .code: kind = "code" + (spec.knownValues.isEmpty ? "" : ": " + spec.knownValues.joined(separator: ", "))
            case .text: kind = "text, exact"
            case .date: kind = "date"
            }
            lines.append("- `\(filter.name)` (\(kind)) — \(spec.summary)")
        }
        lines += ["- `custom.<name>` (text, exact) — " + Filter.custom("<name>").summary, "",
                  "## Operators", "",
                  "`=` for every field; dates also `>=`, `<=`, `>`, `<` and `in [A .. B]` (inclusive, either bound may be left out); "
                    + "`field in (a, b, c)` for several values (one API request each, merged by activity ID).", "",
                  "## Dates", "",
                  "`2024-01-15` (the whole day), `2024-01-15T10:30`, `2024-01-15T10:30:00Z`, relative `now`, `today`, `yesterday`, "
                    + "`-7d`, `now-12h`, `today-1w` (units m h d w).", "",
                  "## Modifiers", "",
                  "`show all` or `show a, b` (attributes beyond the summary), `sort by id|createdDate|lastModifiedDate [asc|desc]`, "
                    + "`page N [size M]` or `range N [size M]` (size 1 to 75).", "",
                  "## What the API cannot do", "",
                  "- no `!=` and no `not`: only exact matches; no wildcards or partial matches (`*` is refused unless quoted)",
                  "- `type` alone is refused: combine it with another filter",
                  "- a field has one value per query (use `in (…)` or `or` for several)",
                  "- date bounds are inclusive to the millisecond; an empty result is HTTP 204",
                  "- `customer = 1080` never matches 10801; codes such as status are lower case", "",
                  "## Examples", "",
                  "    status = open and queue = 1000 and lastModifiedDate >= -7d sort by lastModifiedDate desc",
                  "    customer = 1002 show all",
                  "    type = chat and queue in (1000, 1001) and createdDate in [2024-01-01 .. 2024-01-31] page 1 size 50"]
        return lines.joined(separator: "\n") + "\n"
    }

    static func prompt(_ question: String) -> String {
        """
        Answer this question about eGain / Cisco ECE activities with the actq tools: \(question)

        Write one actq query (see the resource actq://reference/language): conditions joined by `and`, \
        exact values only, dates inclusive, `type` never alone. Run check_query first and fix what it \
        reports (it gives fix-its), then search_activities (or count_activities for "how many"). Say \
        which query you ran.
        """
    }
}
