import ActivityQuery
import Foundation

/// The actq language server: diagnostics, completion, hover, formatting, semantic tokens and
/// document symbols for `.actq` files, from the same parser, validator and completion engine as
/// `actq check` and the REPL.
public final class LanguageServer {
    /// How columns are counted: UTF-16 code units unless the client offers UTF-8 or UTF-32.
    public enum Encoding: String, Sendable { case utf8 = "utf-8", utf16 = "utf-16", utf32 = "utf-32" }

    /// An open document, with the queries of its last analysis so that an edit re-checks only
    /// the queries it touches.
    final class Document {
        struct Analysed {
            var range: SourceRange
            var diagnostics: [Diagnostic]
        }

        private(set) var text: [UInt8]
        private(set) var source: SourceText
        var version: Int?
        private(set) var queries: [Analysed] = []

        /// How queries compile (the parameters' values come from `actq lsp --param`).
        let options: PlanOptions

        init(text: [UInt8], version: Int?, context: DateContext, options: PlanOptions = PlanOptions()) {
            self.text = text
            self.source = SourceText(name: "", bytes: text)
            self.version = version
            self.options = options
            queries = Self.analyse(source, from: 0, context: context, options: options, stopBefore: { _ in false }).queries
        }

        static func analyse(_ source: SourceText, from start: Int, context: DateContext, options: PlanOptions,
                            stopBefore: (Int) -> Bool) -> (queries: [Analysed], stoppedAt: Int?)
        {
            var queries: [Analysed] = []
            let stopped = ScriptParser.parse(source, from: start, stopBefore: stopBefore) { parsed in
                let compiled = QueryCompiler.compile(parsed, source: source, context: context, options: options)
                queries.append(Analysed(range: compiled.range, diagnostics: compiled.diagnostics))
            }
            return (queries, stopped?.offset)
        }

        var diagnostics: [Diagnostic] { queries.flatMap(\.diagnostics) }

        func replaceAll(_ text: [UInt8], context: DateContext) {
            self.text = text
            source = SourceText(name: "", bytes: text)
            queries = Self.analyse(source, from: 0, context: context, options: options, stopBefore: { _ in false }).queries
        }

        /// Replaces bytes `start..<end` and re-analyses from the first query the edit touches
        /// until the query boundaries fall back in step with the old ones.
        func replace(_ start: Int, _ end: Int, with replacement: [UInt8], context: DateContext) {
            let delta = replacement.count - (end - start)
            text.replaceSubrange(start..<end, with: replacement)
            source = SourceText(name: "", bytes: text)
            // Queries wholly before the edit's line stay; the rest may change.
            let lineStart = source.lineStarts[source.lineIndex(of: min(start, text.count))]
            var first = queries.firstIndex { $0.range.end >= lineStart } ?? queries.count
            var from = lineStart
            if first < queries.count, queries[first].range.start < from {
                from = source.lineStarts[source.lineIndex(of: queries[first].range.start)]
            }
            // One query more: a query ending in `and` may now continue into the edited line.
            if first > 0 { first -= 1 }
            while first > 0, queries[first - 1].range.end >= source.lineStarts[source.lineIndex(of: queries[first].range.start)] {
                first -= 1
            }
            if first < queries.count {
                from = min(from, source.lineStarts[source.lineIndex(of: min(queries[first].range.start, lineStart))])
            }
            let later = queries[first...].filter { $0.range.start >= end }
            let laterStarts = Set(later.map { $0.range.start + delta })
            let editEnd = start + replacement.count
            let (fresh, stoppedAt) = Self.analyse(source, from: from, context: context, options: options) { next in
                next >= editEnd && laterStarts.contains(next)
            }
            var result = Array(queries[..<first])
            result += fresh
            if let stoppedAt {
                for query in later where query.range.start + delta >= stoppedAt {
                    result.append(Analysed(range: query.range.shifted(by: delta),
                                           diagnostics: query.diagnostics.map { $0.shifted(by: delta) }))
                }
            }
            queries = result
        }

        /// Where the query holding `offset` starts (or its line start when none does).
        func queryStart(before offset: Int) -> Int {
            let lineStart = source.lineStarts[source.lineIndex(of: min(offset, text.count))]
            let holding = queries.last { $0.range.start <= offset && $0.range.end >= lineStart && !$0.range.isEmpty }
            return min(lineStart, holding?.range.start ?? lineStart)
        }
    }

    public static let tokenTypes = ["keyword", "property", "operator", "string", "number", "comment", "enumMember", "variable"]

    private var documents: [String: Document] = [:]
    private(set) public var encoding: Encoding = .utf16
    private var initialized = false
    private var shutdownRequested = false
    /// Requests cancelled before they were handled; noted by the reader thread as frames arrive.
    private let cancellations = Cancellations()
    private let send: (Data) -> Void
    public var context: () -> DateContext
    public var values: CompletionValueSource?
    /// How queries compile: the planner's limit and the parameters' values (`actq lsp --param`).
    public var options = PlanOptions()
    /// Set by `exit`: the code to exit with.
    public private(set) var exitCode: Int32?

    public init(context: @escaping () -> DateContext = { .current() }, send: @escaping (Data) -> Void) {
        self.context = context
        self.send = send
    }

    // MARK: Transport

    /// Handles one framed message body.
    public func handle(_ body: Data) {
        let message: IncomingMessage
        do {
            message = try JSONDecoder().decode(IncomingMessage.self, from: body)
        } catch {
            respond(id: nil, error: ResponseError(code: ResponseError.parseError, message: "malformed JSON-RPC message: \(error.localizedDescription)"))
            return
        }
        guard let method = message.method else {
            if message.id != nil {
                respond(id: message.id, error: ResponseError(code: ResponseError.invalidRequest, message: "a request needs a method"))
            }
            return
        }
        if let id = message.id {
            if cancellations.take(id) {
                respond(id: id, error: ResponseError(code: ResponseError.requestCancelled, message: "cancelled"))
                return
            }
            do {
                respond(id: id, result: try request(method, message.params ?? .null, body: body))
            } catch let error as ResponseError {
                respond(id: id, error: error)
            } catch {
                respond(id: id, error: ResponseError(code: ResponseError.invalidParams, message: "invalid parameters for \(method): \(error)"))
            }
        } else {
            notification(method, body: body)
        }
    }

    /// Marks requests cancelled before they are handled (the transport reads ahead). Safe to
    /// call from the reader thread; only bodies that mention `$/cancelRequest` are decoded.
    public func noteCancellation(_ body: Data) {
        cancellations.note(body)
    }

    /// Serves the messages framed on `input` until it ends or `exit` comes: a reader thread
    /// takes frames off the input as they arrive (and notes cancellations at once), the calling
    /// thread handles them in order. Returns the exit code `exit` asked for, nil at the end of
    /// the input.
    public func run(input: FileHandle) -> Int32? {
        run(MessageFraming(input: input))
    }

    public func run(_ framing: MessageFraming) -> Int32? {
        let inbox = BlockingQueue<MessageFraming.Frame>()
        let cancellations = cancellations
        Thread.detachNewThread {
            while let frame = framing.next() {
                if case .message(let body) = frame { cancellations.note(body) }
                inbox.put(frame)
            }
            inbox.close()
        }
        while let frame = inbox.take() {
            switch frame {
            case .message(let body): handle(body)
            case .malformed(let reason): reportMalformedFrame(reason)
            }
            if let exitCode { return exitCode }
        }
        return nil
    }

    public func reportMalformedFrame(_ reason: String) {
        respond(id: nil, error: ResponseError(code: ResponseError.parseError, message: reason))
    }

    private func respond(id: RequestID?, result: (any Encodable)? = nil, error: ResponseError? = nil) {
        guard let data = try? JSONEncoder().encode(OutgoingResponse(id: id, result: result, error: error)) else { return }
        send(MessageFraming.frame(data))
    }

    private func notify(_ method: String, _ params: some Encodable) {
        guard let data = try? JSONEncoder().encode(OutgoingNotification(method: method, params: params)) else { return }
        send(MessageFraming.frame(data))
    }

    // MARK: Dispatch

    /// The typed parameters of the message in `body`.
    private func parameters<P: Decodable>(_ type: P.Type, _ body: Data) throws -> P {
        try JSONDecoder().decode(Envelope<P>.self, from: body).params
    }

    private func request(_ method: String, _ params: LSPAny, body: Data) throws -> any Encodable {
        if method == "initialize" { return try initialize(params) }
        if method == "shutdown" {
            shutdownRequested = true
            return LSPAny.null
        }
        guard initialized else {
            throw ResponseError(code: ResponseError.serverNotInitialized, message: "initialize first")
        }
        switch method {
        case "textDocument/completion": return try completion(try parameters(PositionParams.self, body))
        case "textDocument/hover": return try hover(try parameters(PositionParams.self, body)).map { $0 as any Encodable } ?? LSPAny.null
        case "textDocument/formatting": return try formatting(try parameters(DocumentParams.self, body))
        case "textDocument/semanticTokens/full": return try semanticTokens(try parameters(DocumentParams.self, body))
        case "textDocument/documentSymbol": return try documentSymbols(try parameters(DocumentParams.self, body))
        default: throw ResponseError(code: ResponseError.methodNotFound, message: "unknown method \(method)")
        }
    }

    private func notification(_ method: String, body: Data) {
        switch method {
        case "initialized", "$/cancelRequest", "$/setTrace", "workspace/didChangeConfiguration": return
        case "exit": exitCode = shutdownRequested ? 0 : 1
        case "textDocument/didOpen":
            guard let open = try? parameters(DidOpenParams.self, body) else { return }
            documents[open.textDocument.uri] = Document(text: Array(open.textDocument.text.utf8), version: open.textDocument.version,
                                                        context: context(), options: options)
            publishDiagnostics(open.textDocument.uri)
        case "textDocument/didChange":
            guard let change = try? parameters(DidChangeParams.self, body), let document = documents[change.textDocument.uri] else { return }
            let now = context()
            for event in change.contentChanges {
                if let range = event.range {
                    let source = document.source
                    let start = offset(of: range.start, in: source)
                    let end = max(start, offset(of: range.end, in: source))
                    document.replace(start, end, with: Array(event.text.utf8), context: now)
                } else {
                    document.replaceAll(Array(event.text.utf8), context: now)
                }
            }
            document.version = change.textDocument.version
            publishDiagnostics(change.textDocument.uri)
        case "textDocument/didClose":
            guard let close = try? parameters(DocumentParams.self, body) else { return }
            documents[close.textDocument.uri] = nil
            notify("textDocument/publishDiagnostics", PublishDiagnosticsParams(uri: close.textDocument.uri, version: nil, diagnostics: []))
        default: return
        }
    }

    private func initialize(_ params: LSPAny) throws -> LSPAny {
        let offered = params["capabilities"]?["general"]?["positionEncodings"]?.array?.compactMap(\.string) ?? []
        encoding = offered.contains("utf-8") ? .utf8 : offered.contains("utf-32") ? .utf32 : .utf16
        initialized = true
        let legend: LSPAny = .object(["tokenTypes": .array(Self.tokenTypes.map(LSPAny.string)), "tokenModifiers": .array([])])
        return .object([
            "capabilities": .object([
                "positionEncoding": .string(encoding.rawValue),
                "textDocumentSync": .object(["openClose": .bool(true), "change": .int(2)]),
                "completionProvider": .object(["triggerCharacters": .array([.string(" "), .string(".")])]),
                "hoverProvider": .bool(true),
                "documentFormattingProvider": .bool(true),
                "documentSymbolProvider": .bool(true),
                "semanticTokensProvider": .object(["legend": legend, "full": .bool(true)]),
            ]),
            "serverInfo": .object(["name": .string("actq"), "version": .string("0.1")]),
        ])
    }

    private func document(_ uri: String) throws -> Document {
        guard let document = documents[uri] else {
            throw ResponseError(code: ResponseError.invalidParams, message: "\(uri) is not open")
        }
        return document
    }

    // MARK: Positions

    /// Byte offset of an LSP position, in the negotiated encoding; clamped to the line.
    func offset(of position: Position, in source: SourceText) -> Int {
        guard position.line < source.lineStarts.count else { return source.bytes.count }
        let lineStart = source.lineStarts[max(0, position.line)]
        let line = source.lineBytes(max(0, position.line))
        var units = 0
        var index = lineStart
        while index < line.endIndex, units < position.character {
            let byte = source.bytes[index]
            let length = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4
            switch encoding {
            case .utf8: units += length
            case .utf16: units += length == 4 ? 2 : 1
            case .utf32: units += 1
            }
            index += length
        }
        return min(index, line.endIndex)
    }

    func position(of offset: Int, in source: SourceText) -> Position {
        var mapper = PositionMapper(source: source, encoding: encoding)
        return mapper.position(of: offset)
    }

    func range(_ range: SourceRange, in source: SourceText) -> LSPRange {
        var mapper = PositionMapper(source: source, encoding: encoding)
        return mapper.range(range)
    }

    // MARK: Features

    func diagnostics(_ uri: String) -> [LSPDiagnostic] {
        guard let document = documents[uri] else { return [] }
        var mapper = PositionMapper(source: document.source, encoding: encoding)
        var result: [LSPDiagnostic] = []
        do {
            for diagnostic in document.diagnostics {
                var related: [DiagnosticRelatedInformation] = []
                for note in diagnostic.notes {
                    guard let noteRange = note.range else { continue }
                    related.append(DiagnosticRelatedInformation(location: Location(uri: uri, range: mapper.range(noteRange)), message: note.message))
                }
                var message = diagnostic.message
                for note in diagnostic.notes where note.range == nil { message += "\n" + note.message }
                result.append(LSPDiagnostic(
                    range: mapper.range(diagnostic.range),
                    severity: diagnostic.severity == .error ? 1 : diagnostic.severity == .warning ? 2 : 3,
                    code: diagnostic.code.rawValue, source: "actq", message: message,
                    relatedInformation: related.isEmpty ? nil : related))
            }
        }
        return result
    }

    private func publishDiagnostics(_ uri: String) {
        let params = PublishDiagnosticsParams(uri: uri, version: documents[uri]?.version, diagnostics: diagnostics(uri))
        notify("textDocument/publishDiagnostics", params)
    }

    func completion(_ params: PositionParams) throws -> [LSPCompletionItem] {
        let document = try document(params.textDocument.uri)
        let source = document.source
        let cursor = offset(of: params.position, in: source)
        let start = document.queryStart(before: cursor)
        let text = String(decoding: source.bytes[start..<cursor], as: UTF8.self)
        if let items = parameterCompletion(source, cursor: cursor) { return items }
        let result = CompletionEngine.complete(text, values: values)
        let replace = range(SourceRange(start + result.replaceFrom, cursor), in: source)
        return result.items.map { item in
            let kind: Int
            switch item.kind {
            case .field: kind = 5
            case .operator: kind = 24
            case .value: kind = 12
            case .keyword, .modifier: kind = 14
            }
            return LSPCompletionItem(label: item.label, kind: kind, detail: item.detail, textEdit: TextEdit(range: replace, newText: item.insertText))
        }
    }

    /// After `$`: the parameters the document uses and those given with `--param`.
    private func parameterCompletion(_ source: SourceText, cursor: Int) -> [LSPCompletionItem]? {
        var start = cursor
        while start > 0, Lexer.continuesParameterName(source.bytes[start - 1]) { start -= 1 }
        guard start > 0, source.bytes[start - 1] == UInt8(ascii: "$") else { return nil }
        let typed = String(decoding: source.bytes[start..<cursor], as: UTF8.self)
        var names = Set(options.parameters.keys)
        for token in Lexer.tokenize(source.bytes).tokens where token.kind == .parameter && token.range.end != cursor {
            names.insert(String(source.text(token.range).dropFirst()))
        }
        let replace = range(SourceRange(start - 1, cursor), in: source)
        return names.filter { $0.hasPrefix(typed) }.sorted().map { name in
            LSPCompletionItem(label: "$" + name, kind: 6, detail: options.parameters[name].map { "= \(StringLiteral.literal($0.value))" },
                              textEdit: TextEdit(range: replace, newText: "$" + name))
        }
    }

    func hover(_ params: PositionParams) throws -> Hover? {
        let document = try document(params.textDocument.uri)
        let source = document.source
        let cursor = offset(of: params.position, in: source)
        var found: Hover?
        let context = context()
        ScriptParser.parse(source) { parsed in
            guard found == nil, parsed.syntax.range.start <= cursor, cursor <= parsed.syntax.range.end,
                let token = parsed.syntax.tokens.first(where: { $0.range.start <= cursor && cursor <= $0.range.end }) else { return }
            var text = ""
            let word = source.text(token.range)
            if token.kind == .parameter {
                let name = String(word.dropFirst())
                if let value = options.parameters[name] {
                    text += "**\(word)** = `\(StringLiteral.literal(value.value))` (\(value.origin))\n\n"
                } else {
                    text += "**\(word)** has no value: give it with `actq lsp --param \(name)=VALUE`\n\n"
                }
            }
            if token.kind == .word, let field = Filter.named(word) {
                let type: String
                switch field.valueKind {
                case .id: type = "ID (positive integer)"
                case .code: type = "code: " + field.knownValues.joined(separator: ", ")
                case .text: type = "text, matched exactly"
                case .date: type = "date or date range"
                }
                text += "**\(field.spelling)** — \(field.summary)\n\nValue: \(type)\n\n"
            }
            let compiled = QueryCompiler.compile(parsed, source: source, context: context, options: options)
            let requests = compiled.requests
            if !requests.isEmpty {
                if requests.count > 1 { text += "\(requests.count) requests, merged by activity ID:\n\n" }
                text += "```http\n" + RequestRendering.text(requests, wire: .json, headers: false) + "\n```"
            } else if let first = compiled.diagnostics.first(where: { $0.severity == .error }) {
                text += "No request: \(first.message)"
            }
            found = Hover(contents: MarkupContent(value: text), range: range(token.range, in: source))
        }
        return found
    }

    func formatting(_ params: DocumentParams) throws -> [TextEdit] {
        let document = try document(params.textDocument.uri)
        let source = document.source
        let parsed = ScriptParser.parse(source)
        guard !parsed.flatMap(\.diagnostics).hasErrors else { return [] }
        let formatted = CanonicalPrinter.format(source, queries: parsed)
        if formatted.utf8.elementsEqual(source.bytes) { return [] }
        return [TextEdit(range: range(SourceRange(0, source.bytes.count), in: source), newText: formatted)]
    }

    func semanticTokens(_ params: DocumentParams) throws -> SemanticTokens {
        let document = try document(params.textDocument.uri)
        let source = document.source
        let (tokens, _) = Lexer.tokenize(source.bytes)
        var data: [Int] = []
        var previous = Position(line: 0, character: 0)
        var mapper = PositionMapper(source: source, encoding: encoding)
        for token in tokens {
            let type: Int
            switch token.kind {
            case .comment: type = 5
            case .string: type = 3
            case .number: type = 4
            case .parameter: type = 7
            case .date, .relativeDate: type = 4
            case .word:
                if token.keyword != nil { type = 0 }
                else if Filter.named(source.text(token.range)) != nil { type = 1 }
                else { type = 6 }
            case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .dotDot, .bang: type = 2
            default: continue
            }
            let start = mapper.position(of: token.range.start)
            let end = mapper.position(of: token.range.end)
            guard start.line == end.line else { continue }  // tokens never span lines
            let deltaLine = start.line - previous.line
            data += [deltaLine, deltaLine == 0 ? start.character - previous.character : start.character,
                     end.character - start.character, type, 0]
            previous = start
        }
        return SemanticTokens(data: data)
    }

    func documentSymbols(_ params: DocumentParams) throws -> [DocumentSymbol] {
        let document = try document(params.textDocument.uri)
        let source = document.source
        var symbols: [DocumentSymbol] = []
        var mapper = PositionMapper(source: source, encoding: encoding)
        ScriptParser.parse(source) { parsed in
            guard !parsed.syntax.tokens.isEmpty else { return }
            var name = source.text(parsed.syntax.range).replacingOccurrences(of: "\n", with: " ")
            if name.count > 80 { name = String(name.prefix(79)) + "…" }
            let queryRange = mapper.range(parsed.syntax.range)
            symbols.append(DocumentSymbol(name: name, kind: 12, range: queryRange, selectionRange: queryRange))
        }
        return symbols
    }
}

/// Request IDs cancelled by `$/cancelRequest`, shared by the reader thread and the server.
final class Cancellations: Sendable {
    private let ids = Locked<Set<RequestID>>([])
    func note(_ body: Data) {
        guard Self.mentionsCancel(body),
              let message = try? JSONDecoder().decode(IncomingMessage.self, from: body), message.method == "$/cancelRequest",
              let id = message.params?["id"] else { return }
        let request: RequestID
        if let number = id.int { request = .number(number) } else if let string = id.string { request = .string(string) } else { return }
        ids.withLock { ids in
            // A client may cancel IDs it never sends: keep the set bounded (the newest survives).
            if ids.count >= Self.limit { ids.removeAll(keepingCapacity: true) }
            ids.insert(request)
        }
    }

    /// At most this many cancellations are kept waiting for their request.
    static let limit = 4096

    /// Whether the body may be a `$/cancelRequest` (most are not, and are not decoded here).
    private static func mentionsCancel(_ body: Data) -> Bool {
        // (The "/" of "$/" may arrive escaped, as "\/": JSON allows it.)
        body.range(of: Data("cancelRequest".utf8)) != nil
    }

    /// Whether `id` was cancelled (forgetting it).
    func take(_ id: RequestID) -> Bool {
        ids.withLock { $0.remove(id) != nil }
    }
}

/// Byte offsets to LSP positions in the negotiated encoding. Offsets asked for in increasing
/// order (diagnostics, tokens, symbols) continue from the last one on the same line instead of
/// counting from the line's start again: a one-line document of 50,000 queries stays linear.
struct PositionMapper {
    let source: SourceText
    let encoding: LanguageServer.Encoding
    private var line = -1
    private var lineStart = 0
    private var lineEnd = 0
    private var offset = 0
    private var units = 0

    init(source: SourceText, encoding: LanguageServer.Encoding) {
        self.source = source
        self.encoding = encoding
    }

    mutating func position(of target: Int) -> Position {
        let clamped = min(max(0, target), source.bytes.count)
        if line < 0 || clamped < offset || clamped < lineStart || clamped > lineEnd {
            line = source.lineIndex(of: clamped)
            lineStart = source.lineStarts[line]
            lineEnd = line + 1 < source.lineStarts.count ? source.lineStarts[line + 1] - 1 : source.bytes.count
            offset = lineStart
            units = 0
        }
        let bytes = source.bytes
        while offset < clamped {
            let byte = bytes[offset]
            if byte & 0xC0 != 0x80 {
                switch encoding {
                case .utf8, .utf32: units += 1
                case .utf16: units += byte >= 0xF0 ? 2 : 1
                }
            } else if encoding == .utf8 {
                units += 1
            }
            offset += 1
        }
        return Position(line: line, character: units)
    }

    mutating func range(_ range: SourceRange) -> LSPRange {
        let start = position(of: range.start)
        return LSPRange(start: start, end: position(of: range.end))
    }
}
