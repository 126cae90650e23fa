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
        ScriptParser.parse(source).map { parsed in
            let wellFormed = !parsed.diagnostics.hasErrors
            guard !parsed.syntax.tokens.isEmpty else {
                return CompiledQuery(syntax: parsed.syntax, diagnostics: parsed.diagnostics, query: nil, isWellFormed: wellFormed)
            }
            let (query, bound) = Binder.bind(parsed.syntax, source: source.bytes, context: context)
            var diagnostics = parsed.diagnostics + bound
            diagnostics.sort { $0.range.start < $1.range.start }
            return CompiledQuery(
                syntax: parsed.syntax, diagnostics: diagnostics,
                query: diagnostics.hasErrors ? nil : query, isWellFormed: wellFormed)
        }
    }

    public static func compile(_ text: String, context: DateContext) -> [CompiledQuery] {
        compile(SourceText(text), context: context)
    }
}
