import ActivityModel
import ActivityQuery
import Foundation
import MCP

/// What a tool answers: structured data, a short text for clients without structured content,
/// and whether it is an error (a bad query, a failing backend) rather than a result.
public struct ToolOutcome: Sendable {
    public var structured: Value
    public var text: String
    public var isError: Bool

    /// An outcome; errors are results the agent reads, never protocol failures.
    public init(structured: Value, text: String, isError: Bool = false) {
        self.structured = structured
        self.text = text
        self.isError = isError
    }
}

/// The tools an agent gets: search, check, explain, read a URL back and count, all through actq's
/// own compiler, so that every query is checked against the API's rules before it runs. Read
/// only: nothing here writes a store, a file or a session prompt.
public final class AgentTools: @unchecked Sendable {
    /// The most activities one search returns (`limit` at most), and the default.
    public static let maximumLimit = 500
    public static let defaultLimit = 50

    private let backend: () throws -> any ActivityBackend
    private let context: @Sendable () -> DateContext
    private let options: PlanOptions
    private let wire: Wire
    /// Searches run one at a time on a thread of their own, never on the cooperative pool.
    private let worker = BlockingQueue<@Sendable () -> Void>()
    private var opened: (any ActivityBackend)?

    /// Tools over the backend `backend` opens (when first needed), with the clock `context`.
    public init(backend: @escaping () throws -> any ActivityBackend, context: @escaping @Sendable () -> DateContext,
                options: PlanOptions = PlanOptions(), wire: Wire = .json) {
        self.backend = backend
        self.context = context
        self.options = options
        self.wire = wire
        let worker = worker
        Thread.detachNewThread {
            while let job = worker.take() { job() }
        }
    }

    // MARK: The tools

    /// `search_activities`: the activities of one query (at most `limit`), the count of all its
    /// matches and the requests it took.
    public func search(_ text: String, limit: Int?, all: Bool) async -> ToolOutcome {
        let limit = min(max(limit ?? Self.defaultLimit, 1), Self.maximumLimit)
        let compiled: (SourceText, CompiledQuery)
        switch compile(text) {
        case .failure(let failure): return failure.outcome
        case .success(let result): compiled = result
        }
        guard let plan = compiled.1.plan else { return invalid(compiled) }
        if plan.aggregation != nil { return await count(text) }
        let requests = plan.requests.map(\.pathAndQuery)
        return await run { backend in
            var activities: [Value] = []
            let summary = try backend.search(plan, all: all) { row in
                if activities.count < limit { activities.append(Self.value(ofJSON: row.json)) }
            }
            var result: [String: Value] = [
                "activities": .array(activities), "count": .int(summary.total), "returned": .int(activities.count),
                "requests": .array(requests.map(Value.string)),
            ]
            let more = summary.total > activities.count
            if more {
                result["note"] = .string(all || activities.count >= limit
                    ? "\(summary.total) activities match; \(activities.count) are returned (limit \(limit))"
                    : "\(summary.total) activities match; this page has \(activities.count): ask with `page N size M`, or all: true")
            }
            let lines = activities.prefix(20).map { activity -> String in
                guard case .object(let object) = activity else { return "" }
                return "- \(object["id"].map(Self.plain) ?? "?")" + (object["subject"].map { ": " + Self.plain($0) } ?? "")
            }
            let text = "\(summary.total) \(summary.total == 1 ? "activity matches" : "activities match"); \(activities.count) returned"
                + (lines.isEmpty ? "" : "\n" + lines.joined(separator: "\n"))
            return ToolOutcome(structured: .object(result), text: text)
        }
    }

    /// `check_query`: the diagnostics of a query, as data an agent can act on.
    public func check(_ text: String) -> ToolOutcome {
        let source = SourceText(name: "<query>", text)
        let compiled = QueryCompiler.compile(source, context: context(), options: options)
        let diagnostics = compiled.flatMap(\.diagnostics)
        let valid = !compiled.isEmpty && !diagnostics.contains { $0.severity == .error }
        let rendered = DiagnosticRenderer().render(diagnostics, in: source)
        return ToolOutcome(
            structured: .object(["valid": .bool(valid), "queries": .int(compiled.count),
                                 "diagnostics": .array(diagnostics.map { Self.value(of: $0, in: source) })]),
            text: valid ? (rendered.isEmpty ? "the query is valid" : "the query is valid, with warnings:\n" + rendered)
                : (compiled.isEmpty ? "no query in the text" : rendered))
    }

    /// `explain_query`: the exact request(s) a query becomes, and its canonical form.
    public func explain(_ text: String) -> ToolOutcome {
        let compiled: (SourceText, CompiledQuery)
        switch compile(text) {
        case .failure(let failure): return failure.outcome
        case .success(let result): compiled = result
        }
        guard compiled.1.plan != nil else { return invalid(compiled) }
        let requests = compiled.1.requests
        let structured: [Value] = requests.map { request in
            .object(["method": .string(SearchRequest.method), "url": .string(request.pathAndQuery),
                     "headers": .object(["Accept": .string(wire.mediaType), API.sessionHeader: .string(RequestRendering.maskedSession)])])
        }
        return ToolOutcome(
            structured: .object(["requests": .array(structured),
                                 "canonical": .string(CanonicalPrinter.print(compiled.1.syntax, source: compiled.0.bytes))]),
            text: RequestRendering.text(requests, wire: wire, counted: true))
    }

    /// `query_from_url`: the query an API URL (or query string) asks for.
    public func fromURL(_ url: String) -> ToolOutcome {
        let (query, diagnostics) = RequestDecoder.decode(url)
        let source = SourceText(name: "<url>", url)
        guard let query else {
            return ToolOutcome(structured: .object(["diagnostics": .array(diagnostics.map { Self.value(of: $0, in: source) })]),
                               text: DiagnosticRenderer().render(diagnostics, in: source), isError: true)
        }
        let text = CanonicalPrinter.print(query)
        return ToolOutcome(structured: .object(["query": .string(text),
                                                "diagnostics": .array(diagnostics.map { Self.value(of: $0, in: source) })]),
                           text: text)
    }

    /// `count_activities`: how many activities match (one request of one activity per
    /// alternative on the remote API; a count on the local store).
    public func count(_ text: String) async -> ToolOutcome {
        let compiled: (SourceText, CompiledQuery)
        switch compile(text) {
        case .failure(let failure): return failure.outcome
        case .success(let result): compiled = result
        }
        guard var plan = compiled.1.plan else { return invalid(compiled) }
        if plan.aggregation == nil { plan.aggregation = .total }
        let counted = plan
        return await run { backend in
            let counts = try Counting.run(counted, all: false, backend: backend)
            var result: [String: Value] = ["count": .int(counts.total), "requests": .int(counts.requests)]
            var text = "\(counts.total) \(counts.total == 1 ? "activity matches" : "activities match")"
            if counts.grouped {
                result["groups"] = .array(counts.groups.map { .object(["value": $0.value.map(Value.string) ?? .null, "count": .int($0.count)]) })
                text += counts.groups.map { "\n- \($0.value ?? "(none)"): \($0.count)" }.joined()
            }
            return ToolOutcome(structured: .object(result), text: text)
        }
    }

    // MARK: Helpers

    /// The one query of `text`, or an error outcome (no query, or several).
    private func compile(_ text: String) -> Result<(SourceText, CompiledQuery), ToolFailure> {
        let source = SourceText(name: "<query>", text)
        let compiled = QueryCompiler.compile(source, context: context(), options: options)
        guard compiled.count == 1 else {
            let message = compiled.isEmpty ? "no query in the text" : "one query per call: the text has \(compiled.count)"
            return .failure(ToolFailure(ToolOutcome(structured: .object(["error": .string(message)]), text: message, isError: true)))
        }
        return .success((source, compiled[0]))
    }

    /// A query with errors: its diagnostics, as an error outcome.
    private func invalid(_ compiled: (SourceText, CompiledQuery)) -> ToolOutcome {
        let diagnostics = compiled.1.diagnostics
        return ToolOutcome(
            structured: .object(["error": .string("the query is not valid"),
                                 "diagnostics": .array(diagnostics.map { Self.value(of: $0, in: compiled.0) })]),
            text: DiagnosticRenderer().render(diagnostics, in: compiled.0), isError: true)
    }

    /// Runs `body` on the worker thread with the backend; a failure is an error outcome with its
    /// one-line message.
    private func run(_ body: @escaping (any ActivityBackend) throws -> ToolOutcome) async -> ToolOutcome {
        await withCheckedContinuation { continuation in
            nonisolated(unsafe) let body = body
            worker.put { [self] in
                do {
                    if opened == nil { opened = try backend() }
                    continuation.resume(returning: try body(opened!))
                } catch {
                    let message = "the search failed: \(InertText.line("\(error)"))"
                    continuation.resume(returning: ToolOutcome(structured: .object(["error": .string(message)]), text: message, isError: true))
                }
            }
        }
    }

    /// A diagnostic as `check --format json` writes it.
    static func value(of diagnostic: Diagnostic, in source: SourceText) -> Value {
        let json = DiagnosticRenderer.json(diagnostic, in: source)
        guard let data = try? JSONEncoder().encode(json), let value = try? JSONDecoder().decode(Value.self, from: data) else {
            return .object(["code": .string(diagnostic.code.rawValue), "message": .string(diagnostic.message)])
        }
        return value
    }

    /// An activity's JSON text as a value (numbers as integers where they are).
    static func value(ofJSON text: String) -> Value {
        guard let parsed = try? JSONParser.parse(Array(text.utf8)) else { return .string(text) }
        return value(of: parsed)
    }

    static func value(of json: JSONValue) -> Value {
        switch json {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .string(let text): return .string(text)
        case .number(let text): return Int(text).map(Value.int) ?? Double(text).map(Value.double) ?? .string(text)
        case .array(let items): return .array(items.map(value(of:)))
        case .object(let object):
            var members: [String: Value] = [:]
            for member in object.members where members[member.key] == nil { members[member.key] = value(of: member.value) }
            return .object(members)
        }
    }

    /// A value in a line of text.
    static func plain(_ value: Value) -> String {
        switch value {
        case .string(let text): return InertText.line(text)
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return String(flag)
        default: return "…"
        }
    }
}

/// An outcome that ends a tool early (a `Result` failure needs an `Error`).
struct ToolFailure: Error {
    let outcome: ToolOutcome
    init(_ outcome: ToolOutcome) { self.outcome = outcome }
}
