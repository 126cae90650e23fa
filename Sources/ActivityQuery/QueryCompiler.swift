/// One query of a script after the whole front end: its tree, its diagnostics, and the API query
/// when it has no errors.
public struct CompiledQuery: Sendable {
    public var syntax: QuerySyntax
    public var diagnostics: [Diagnostic]
    public var query: ActivityQuery?
    /// Whether the text parsed without lexical or syntax errors (so it can be formatted).
    public var isWellFormed: Bool

    public var range: SourceRange { syntax.range }
    public var requests: [SearchRequest] { query.map { [SearchRequest($0)] } ?? [] }
}

/// The pipeline from text to checked queries: lexer, parser, binder and the API's rules.
public enum QueryCompiler {
    public static func compile(_ source: SourceText, context: DateContext) -> [CompiledQuery] {
        var result: [CompiledQuery] = []
        compile(source, context: context) { result.append($0) }
        return result
    }

    public static func compile(_ text: String, context: DateContext) -> [CompiledQuery] {
        compile(SourceText(text), context: context)
    }

    /// Compiles the queries of a script one at a time, in order: memory does not grow with the
    /// number of queries unless `body` keeps them.
    public static func compile(_ source: SourceText, context: DateContext, _ body: (CompiledQuery) -> Void) {
        ScriptParser.parse(source) { parsed in
            body(compile(parsed, source: source, context: context))
        }
    }

    public static func compile(_ parsed: ParsedQuery, source: SourceText, context: DateContext) -> CompiledQuery {
        let wellFormed = !parsed.diagnostics.hasErrors
        guard !parsed.syntax.tokens.isEmpty else {
            return CompiledQuery(syntax: parsed.syntax, diagnostics: parsed.diagnostics, query: nil, isWellFormed: wellFormed)
        }
        let (query, bound) = Binder.bind(parsed.syntax, source: source.bytes, context: context)
        var diagnostics = parsed.diagnostics
        if !bound.isEmpty {
            diagnostics += bound
            diagnostics.sort { $0.range.start < $1.range.start }
        }
        return CompiledQuery(
            syntax: parsed.syntax, diagnostics: diagnostics,
            query: diagnostics.hasErrors ? nil : query, isWellFormed: wellFormed)
    }
}
