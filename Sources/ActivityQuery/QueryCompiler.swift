/// One query of a script after the whole front end: its tree, its diagnostics, and the API query
/// when it has no errors.
public struct CompiledQuery: Sendable {
    public var syntax: QuerySyntax
    public var diagnostics: [Diagnostic]
    /// What the query runs as, when it has no errors: one API request or several.
    public var plan: QueryPlan?
    /// Whether the text parsed without lexical or syntax errors (so it can be formatted).
    public var isWellFormed: Bool

    public var range: SourceRange { syntax.range }
    /// The API query, when the plan is a single request.
    public var query: ActivityQuery? { plan?.single }
    public var requests: [SearchRequest] { plan?.requests ?? [] }
}

/// The pipeline from text to checked queries: lexer, parser, binder and the API's rules.
public enum QueryCompiler {
    /// Compiles every query of a script: parse, bind, plan.
    public static func compile(_ source: SourceText, context: DateContext, options: PlanOptions = PlanOptions()) -> [CompiledQuery] {
        var result: [CompiledQuery] = []
        compile(source, context: context, options: options) { result.append($0) }
        return result
    }

    /// Compiles every query of a text (named `<input>`).
    public static func compile(_ text: String, context: DateContext, options: PlanOptions = PlanOptions()) -> [CompiledQuery] {
        compile(SourceText(text), context: context, options: options)
    }

    /// Compiles the queries of a script one at a time, in order: memory does not grow with the
    /// number of queries unless `body` keeps them.
    public static func compile(_ source: SourceText, context: DateContext, options: PlanOptions = PlanOptions(),
                               _ body: (CompiledQuery) -> Void) {
        ScriptParser.parse(source) { parsed in
            body(compile(parsed, source: source, context: context, options: options))
        }
    }

    /// Checks queries one after another for their diagnostics alone (`actq check`): the same
    /// diagnostics as `compile`, from one binder that serves every query (its lists emptied and
    /// reused) and without the plans nothing would read.
    public struct Checker {
        private var binder: Binder.Checker

        /// A checker of the queries of `source`, with dates as `context` reads them.
        public init(source: SourceText, context: DateContext, options: PlanOptions = PlanOptions()) {
            binder = Binder.Checker(source: source.bytes, context: context, options: options)
        }

        /// The diagnostics of one query the script parser has parsed.
        public mutating func diagnostics(of parsed: ParsedQuery) -> [Diagnostic] {
            var diagnostics = parsed.diagnostics
            if !parsed.syntax.tokens.isEmpty { diagnostics.merge(binder.diagnostics(parsed.syntax)) }
            return diagnostics
        }
    }

    /// Compiles one query the script parser has already parsed.
    public static func compile(_ parsed: ParsedQuery, source: SourceText, context: DateContext,
                               options: PlanOptions = PlanOptions()) -> CompiledQuery {
        let wellFormed = !parsed.diagnostics.hasErrors
        guard !parsed.syntax.tokens.isEmpty else {
            return CompiledQuery(syntax: parsed.syntax, diagnostics: parsed.diagnostics, plan: nil, isWellFormed: wellFormed)
        }
        let (plan, bound) = Binder.bind(parsed.syntax, source: source.bytes, context: context, options: options)
        var diagnostics = parsed.diagnostics
        diagnostics.merge(bound)
        return CompiledQuery(
            syntax: parsed.syntax, diagnostics: diagnostics,
            plan: diagnostics.hasErrors ? nil : plan, isWellFormed: wellFormed)
    }
}
