/// Whether a line break ends a query: not while a bracket is open, and not after `and` or `or`.
/// The script parser splits queries by this rule and the REPL asks it whether to read another
/// line, so that both agree on where a query ends.
public struct ContinuationRule: Sendable {
    private var depth = 0
    private var lastKeyword: Keyword?

    /// The rule at the start of a query.
    public init() {}

    /// Takes in the next token of the query (not trivia, a line break or a `;`).
    mutating func note(_ token: Token) {
        switch token.kind {
        case .leftParen, .leftBracket: depth += 1
        case .rightParen, .rightBracket: depth = max(0, depth - 1)
        default: break
        }
        lastKeyword = token.keyword
    }

    /// Whether a line break here continues the query whatever the next line holds.
    public var lineBreakContinues: Bool { depth > 0 || lastKeyword == .and || lastKeyword == .or }

    /// The keywords a line may start with to continue the query above it (a query never starts
    /// with one): `and`, `or` and the modifiers (`count` too).
    public static let leadingKeywords: Set<Keyword> = [.and, .or, .show, .sort, .page, .range, .count]

    /// Whether a line whose first token is `token` continues the query before it.
    public static func continuesQuery(_ token: Token) -> Bool {
        token.keyword.map(leadingKeywords.contains) ?? false
    }

    /// Whether `text` so far ends inside an unfinished query (the REPL's continuation lines).
    public static func continues(_ text: String) -> Bool {
        let (tokens, _) = Lexer.tokenize(Array(text.utf8))
        var rule = ContinuationRule()
        for token in tokens where !token.kind.isTrivia && token.kind != .invalid && token.kind != .newline && token.kind != .endOfFile {
            if token.kind == .semicolon { rule = ContinuationRule() } else { rule.note(token) }
        }
        return rule.lineBreakContinues
    }
}

/// One query of a script: its tokens, its tree and the lexical and syntax diagnostics inside it.
public struct ParsedQuery: Sendable {
    public var syntax: QuerySyntax
    public var diagnostics: [Diagnostic]
}

/// Splits a script into queries and parses each one. Never throws and always terminates: every
/// loop consumes a token, and nesting deeper than `Parser.maximumDepth` is reported and skipped.
///
/// A query ends at `;`, at the end of the input, and at a line break unless a bracket is open,
/// the line's last token is `and` or `or`, or the next line starts with `and`, `or` or a modifier
/// keyword (leading operators). The input is lexed a query at a time, so memory does not grow
/// with the size of a script.
public enum ScriptParser {
    /// Every query of a script, in order.
    public static func parse(_ source: SourceText) -> [ParsedQuery] {
        var queries: [ParsedQuery] = []
        parse(source) { queries.append($0) }
        return queries
    }

    /// Calls `body` with each query in order.
    public static func parse(_ source: SourceText, _ body: (ParsedQuery) -> Void) {
        parse(source, from: 0, stopBefore: { _ in false }, body)
    }

    /// Where a partial parse stopped, and the lexical diagnostics it had found in the trivia before
    /// that point but not yet given to a query.
    public struct Stop: Sendable {
        public var offset: Int
        public var pending: [Diagnostic]
    }

    /// Parses from `start`, which must be the start of a line or of a query, and stops before a
    /// query that would begin at an offset for which `stopBefore` is true (to re-parse only what
    /// an edit changed, or to check a script in chunks). Returns where it stopped, or nil when it
    /// read to the end.
    @discardableResult
    public static func parse(
        _ source: SourceText, from start: Int, stopBefore: (Int) -> Bool, _ body: (ParsedQuery) -> Void
    ) -> Stop? {
        source.bytes.withUnsafeBufferPointer { input -> Stop? in
            var lexer = Lexer()
            var current: [Token] = []
            current.reserveCapacity(32)
            var rule = ContinuationRule()
            // A line break that ends the query unless the next line starts with a leading keyword.
            var lineBreakPending = false
            var offset = start
            // Lexical problems of a token read ahead (the first of the next line), which belong to
            // the query it starts, not to the one a line break ends.
            var carried: [Diagnostic] = []
            func takeLexical(before limit: Int = .max) -> [Diagnostic] {
                let all = carried + lexer.takeDiagnostics()
                carried = all.filter { $0.range.start >= limit }
                return carried.isEmpty ? all : all.filter { $0.range.start < limit }
            }
            func finish(before limit: Int = .max) {
                let lexical = takeLexical(before: limit)
                if current.isEmpty {
                    if !lexical.isEmpty {
                        // Problems in comments or stray bytes outside any query.
                        let range = lexical[0].range.union(lexical[lexical.count - 1].range)
                        body(ParsedQuery(syntax: QuerySyntax(range: range, filter: nil, modifiers: [], tokens: []),
                                         diagnostics: lexical))
                    }
                    return
                }
                do {
                    var parser = Parser(tokens: current, source: input)
                    var parsed = parser.parseQuery()
                    if !lexical.isEmpty {
                        parsed.diagnostics = lexical + parsed.diagnostics
                        parsed.diagnostics.sort { $0.range.start < $1.range.start }
                    }
                    body(parsed)
                }
                // The next query's tokens go into the same buffer when `body` kept nothing of
                // this one (`actq check`): no allocation per query. (Kept, the array copies.)
                current.removeAll(keepingCapacity: true)
                rule = ContinuationRule()
            }
            while offset < input.count {
                // Spaces between tokens, the most common bytes of a script, make no token the
                // parser reads: skipped here, without the lexer's round trip for each run.
                if Lexer.isSpace(input[offset]) {
                    offset += 1
                    continue
                }
                let token = lexer.token(input, at: offset)
                offset = token.range.end
                switch token.kind {
                case .whitespace, .comment, .invalid:
                    // Invalid bytes were diagnosed by the lexer; the parser reads on past them.
                    continue
                case .semicolon, .endOfFile:
                    lineBreakPending = false
                    finish()
                case .newline:
                    if current.isEmpty || rule.lineBreakContinues { continue }
                    lineBreakPending = true
                default:
                    if lineBreakPending {
                        lineBreakPending = false
                        if !ContinuationRule.continuesQuery(token) { finish(before: token.range.start) }
                    }
                    if current.isEmpty, token.range.start > start, stopBefore(token.range.start) {
                        return Stop(offset: token.range.start, pending: takeLexical())
                    }
                    rule.note(token)
                    current.append(token)
                }
            }
            finish()
            return nil
        }
    }
}

/// Recursive descent over the significant tokens of one query.
struct Parser {
    static let maximumDepth = 64

    private let tokens: [Token]
    private let source: UnsafeBufferPointer<UInt8>
    private let endOfQuery: Token
    private var position = 0
    private var depth = 0
    private var reportedDepth = false
    private(set) var diagnostics: [Diagnostic] = []

    /// `tokens` are the significant tokens of one query; `source` the whole text they point into.
    init(tokens: [Token], source: UnsafeBufferPointer<UInt8>) {
        self.tokens = tokens
        self.source = source
        endOfQuery = Token(kind: .endOfFile, range: .at(tokens.last?.range.end ?? 0))
    }

    private var current: Token { position < tokens.count ? tokens[position] : endOfQuery }
    private var next: Token { position + 1 < tokens.count ? tokens[position + 1] : endOfQuery }
    private var atEnd: Bool { position >= tokens.count }

    @discardableResult
    private mutating func advance() -> Token {
        let token = current
        if position < tokens.count { position += 1 }
        return token
    }

    private func text(_ token: Token) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: source[token.range.start..<token.range.end]), as: UTF8.self)
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .endOfFile: return "end of query"
        case .string: return "string \(text(token))"
        default:
            let shown = text(token)
            return "'\(shown.count > 40 ? String(shown.prefix(40)) + "…" : shown)'"
        }
    }

    private mutating func error(
        _ code: DiagnosticCode, at range: SourceRange, _ message: String, notes: [DiagnosticNote] = [],
        fixIts: [FixIt] = []
    ) {
        diagnostics.append(.error(code, at: range, message, notes: notes, fixIts: fixIts))
    }

    /// Whether `token` can start a modifier here: `show`, `sort`, `page` or `range`.
    private func startsModifier(_ token: Token) -> Bool {
        token.kind == .word && (token.keyword?.startsModifier ?? false)
    }

    /// A token that can be a field name: a word that is not a reserved keyword.
    private func isFieldName(_ token: Token) -> Bool {
        guard token.kind == .word else { return false }
        switch token.keyword {
        case .and?, .or?, .not?, .in?: return false
        case let keyword?: return !keyword.startsModifier
        case nil: return true
        }
    }

    mutating func parseQuery() -> ParsedQuery {
        let range = tokens.isEmpty ? endOfQuery.range : tokens[0].range.union(tokens[tokens.count - 1].range)
        var filter: FilterSyntax?
        var modifiers: [ModifierSyntax] = []
        if !atEnd, !startsModifier(current) {
            filter = parseOr()
        }
        while !atEnd {
            if startsModifier(current) {
                modifiers.append(parseModifier())
            } else if current.keyword == .and || current.keyword == .or, !modifiers.isEmpty {
                let joiner = advance()
                error(.modifierBeforeFilter, at: joiner.range,
                      "filters come before modifiers: move this condition in front of '\(text(modifiers[0].keyword))'")
                let more = parseOr()
                filter = filter.map { .and([$0, more], operators: [joiner]) } ?? more
            } else if isFieldName(current), next.kind.isComparison || next.keyword == .in {
                let missingJoin = current.range.start
                error(.unexpectedToken, at: current.range, "expected 'and' before another condition",
                      fixIts: [FixIt(range: .at(missingJoin), replacement: "and ")])
                let more = parseOr()
                filter = filter.map { .and([$0, more], operators: []) } ?? more
            } else {
                let token = advance()
                let message = token.kind == .rightParen
                    ? "unbalanced ')': no '(' is open here"
                    : "unexpected \(describe(token)) \(filter == nil && modifiers.isEmpty ? "at the start of a query" : "after the query")"
                error(.unexpectedToken, at: token.range, message)
            }
        }
        return ParsedQuery(
            syntax: QuerySyntax(range: range, filter: filter, modifiers: modifiers, tokens: tokens),
            diagnostics: diagnostics)
    }

    // MARK: Filters

    private mutating func parseOr() -> FilterSyntax {
        let first = parseAnd()
        // Most filters have no 'or': no arrays for them.
        guard current.keyword == .or else { return first }
        var parts = [first]
        var operators: [Token] = []
        while current.keyword == .or {
            operators.append(advance())
            parts.append(parseAnd())
        }
        return .or(parts, operators: operators)
    }

    private mutating func parseAnd() -> FilterSyntax {
        let first = parseUnary()
        // Arrays only once a second condition comes, with room for a few (every query is parsed
        // here, and growing them one element at a time was a third of the parser's allocations).
        var parts: [FilterSyntax] = []
        var operators: [Token] = []
        func second() {
            guard parts.isEmpty else { return }
            parts.reserveCapacity(6)
            operators.reserveCapacity(5)
            parts.append(first)
        }
        while true {
            if current.keyword == .and {
                second()
                operators.append(advance())
                parts.append(parseUnary())
            } else if isFieldName(current), next.kind.isComparison || next.keyword == .in {
                // `status = open queue = 5`: a condition follows without `and`.
                error(.unexpectedToken, at: current.range, "expected 'and' between conditions",
                      fixIts: [FixIt(range: .at(current.range.start), replacement: "and ")])
                second()
                parts.append(parseUnary())
            } else {
                break
            }
        }
        return parts.isEmpty ? first : .and(parts, operators: operators)
    }

    private mutating func parseUnary() -> FilterSyntax {
        guard current.keyword == .not || current.kind == .bang else { return parsePrimary() }
        if depth >= Parser.maximumDepth {
            reportDepth(at: current.range)
            let first = current
            while current.keyword == .not || current.kind == .bang { advance() }
            return .not(first, parsePrimary())
        }
        let op = advance()
        depth += 1
        defer { depth -= 1 }
        return .not(op, parseUnary())
    }

    private mutating func reportDepth(at range: SourceRange) {
        guard !reportedDepth else { return }
        reportedDepth = true
        error(.nestingTooDeep, at: range, "nesting deeper than \(Parser.maximumDepth) levels is not supported")
    }

    private mutating func parsePrimary() -> FilterSyntax {
        if current.kind == .leftParen {
            if depth >= Parser.maximumDepth {
                reportDepth(at: current.range)
                return .missing(skipBalanced())
            }
            let open = advance()
            depth += 1
            defer { depth -= 1 }
            let inner: FilterSyntax
            if current.kind == .rightParen {
                error(.expectedExpression, at: current.range, "empty parentheses: expected a condition")
                inner = .missing(.at(current.range.start))
            } else {
                inner = parseOr()
            }
            var close: Token?
            if current.kind == .rightParen {
                close = advance()
            } else {
                error(.expectedCloseParen, at: .at(current.range.start), "expected ')'",
                      notes: [DiagnosticNote("to close this '('", range: open.range)],
                      fixIts: [FixIt(range: .at(current.range.start), replacement: ")")])
            }
            return .group(open: open, inner, close: close)
        }
        if isFieldName(current) {
            return .condition(parseCondition())
        }
        return recoverMissingCondition()
    }

    /// Skips a balanced run of parentheses starting at the current `(`, without recursion.
    private mutating func skipBalanced() -> SourceRange {
        let start = current.range
        var level = 0
        var last = current.range
        repeat {
            if current.kind == .leftParen { level += 1 }
            if current.kind == .rightParen { level -= 1 }
            last = advance().range
        } while level > 0 && !atEnd
        return start.union(last)
    }

    private mutating func recoverMissingCondition() -> FilterSyntax {
        let token = current
        if atEnd || current.keyword == .and || current.keyword == .or || current.kind == .rightParen
            || startsModifier(current) {
            let after = position > 0 ? tokens[position - 1] : nil
            let message = after.map { "expected a condition after \(describe($0))" } ?? "expected a condition"
            error(.expectedExpression, at: .at(token.range.start), message)
            return .missing(.at(token.range.start))
        }
        if token.kind.isValue || token.kind.isComparison {
            error(.expectedField, at: token.range, "expected a field name, found \(describe(token))")
        } else {
            error(.expectedExpression, at: token.range, "expected a condition, found \(describe(token))")
        }
        // Skip to something a condition or query can continue with.
        var range = token.range
        while !atEnd, current.keyword != .and, current.keyword != .or, current.kind != .rightParen,
            !startsModifier(current) {
            range = range.union(advance().range)
        }
        return .missing(range)
    }

    private mutating func parseCondition() -> ConditionSyntax {
        let field = advance()
        if current.kind.isComparison || current.keyword == .in {
            let op = advance()
            if op.keyword == .in {
                return ConditionSyntax(field: field, op: op, value: parseInValue(after: op))
            }
            return ConditionSyntax(field: field, op: op, value: parseSingleValue(after: op))
        }
        // No operator. If a value follows, assume '=' was forgotten.
        if current.kind.isValue, !(current.keyword.map { $0 == .and || $0 == .or || $0.startsModifier } ?? false) {
            error(.expectedOperator, at: .at(current.range.start),
                  "expected an operator such as '=' after '\(text(field))'",
                  fixIts: [FixIt(range: .at(current.range.start), replacement: "= ")])
            return ConditionSyntax(field: field, op: nil, value: .single(advance()))
        }
        error(.expectedOperator, at: .at(field.range.end),
              "expected an operator such as '=' after '\(text(field))'")
        return ConditionSyntax(field: field, op: nil, value: .missing(.at(field.range.end)))
    }

    private func isValueToken(_ token: Token) -> Bool {
        guard token.kind.isValue else { return false }
        switch token.keyword {
        case .and?, .or?, .not?, .in?: return false
        default: return true
        }
    }

    private mutating func parseSingleValue(after op: Token) -> ValueSyntax {
        if op.kind == .equal, current.kind == .equal, current.range.start == op.range.end {
            // `==`: say so once, and read on as if it were `=`.
            error(.unexpectedToken, at: op.range.union(current.range), "the language compares with '=', not '=='",
                  fixIts: [FixIt(range: current.range, replacement: "")])
            advance()
        }
        if isValueToken(current), !startsModifier(current) || !startsModifierHere() {
            return .single(advance())
        }
        if current.kind == .leftBracket || current.kind == .leftParen {
            let kind = current.kind == .leftBracket ? "a date range" : "a list"
            error(.expectedValue, at: current.range, "\(kind) needs 'in', not '\(text(op))'",
                  fixIts: [FixIt(range: op.range, replacement: "in")])
            return current.kind == .leftBracket ? parseDateRange() : parseList()
        }
        error(.expectedValue, at: .at(current.range.start), "expected a value after '\(text(op))'")
        return .missing(.at(op.range.end))
    }

    /// `status = page 2`: is `page` a value or the start of a modifier? A modifier keyword is taken
    /// as a modifier only when what follows fits the modifier.
    private func startsModifierHere() -> Bool {
        switch current.keyword {
        case .show?: return next.kind == .word
        case .sort?: return next.keyword == .by
        case .page?, .range?: return next.kind == .number || next.kind == .parameter
        case .count?: return next.keyword == .by
        default: return false
        }
    }

    private mutating func parseInValue(after op: Token) -> ValueSyntax {
        switch current.kind {
        case .leftBracket: return parseDateRange()
        case .leftParen: return parseList()
        default:
            if isValueToken(current) {
                let value = advance()
                error(.expectedValue, at: value.range,
                      "expected '[' (a date range) or '(' (a list) after 'in'; for one value use '='",
                      fixIts: [FixIt(range: op.range, replacement: "=")])
                return .missing(value.range)
            }
            error(.expectedValue, at: .at(current.range.start),
                  "expected '[' (a date range) or '(' (a list) after 'in'")
            return .missing(.at(op.range.end))
        }
    }

    private mutating func parseDateRange() -> ValueSyntax {
        let open = advance()
        var lower: Token?
        var separator: Token?
        var upper: Token?
        if isValueToken(current) { lower = advance() }
        if current.kind == .dotDot {
            separator = advance()
        } else if current.kind == .comma {
            error(.expectedDotDot, at: current.range, "date ranges separate their bounds with '..'",
                  fixIts: [FixIt(range: current.range, replacement: " ..")])
            separator = advance()
        } else {
            error(.expectedDotDot, at: .at(current.range.start), "expected '..' between the bounds of a date range")
        }
        if isValueToken(current) { upper = advance() }
        var close: Token?
        if current.kind == .rightBracket {
            close = advance()
        } else {
            // Skip what cannot be in a range, up to its ']' if it is on this query.
            var skipped: SourceRange?
            while !atEnd, current.kind != .rightBracket, current.keyword != .and, current.keyword != .or,
                !startsModifier(current), current.kind != .rightParen {
                skipped = (skipped ?? current.range).union(advance().range)
            }
            if current.kind == .rightBracket {
                if let skipped { error(.unexpectedToken, at: skipped, "unexpected text in a date range") }
                close = advance()
            } else {
                error(.expectedCloseBracket, at: .at(skipped?.end ?? current.range.start),
                      "expected ']' to close the date range",
                      fixIts: [FixIt(range: .at(skipped?.end ?? current.range.start), replacement: "]")])
            }
        }
        return .dateRange(open: open, lower: lower, separator: separator, upper: upper, close: close)
    }

    private mutating func parseList() -> ValueSyntax {
        let open = advance()
        var items: [Token] = []
        while !atEnd, current.kind != .rightParen {
            if isValueToken(current) {
                items.append(advance())
                if current.kind == .comma { advance() } else if current.kind != .rightParen { break }
            } else {
                error(.expectedValue, at: current.range, "expected a value in the list, found \(describe(current))")
                if current.keyword == .and || current.keyword == .or || startsModifier(current) { break }
                advance()
            }
        }
        var close: Token?
        if current.kind == .rightParen {
            close = advance()
        } else {
            error(.expectedCloseParen, at: .at(current.range.start), "expected ')' to close the list",
                  fixIts: [FixIt(range: .at(current.range.start), replacement: ")")])
        }
        return .list(open: open, items: items, close: close)
    }

    // MARK: Modifiers

    private mutating func parseModifier() -> ModifierSyntax {
        let keyword = advance()
        switch keyword.keyword {
        case .show?:
            if current.keyword == .all {
                let all = advance()
                var names: [Token] = []
                while current.kind == .comma, next.kind == .word, !startsModifier(next) {
                    advance()
                    names.append(advance())
                }
                return .show(keyword: keyword, all: all, names: names)
            }
            var names: [Token] = []
            while current.kind == .word, !startsModifier(current) {
                names.append(advance())
                guard current.kind == .comma else { break }
                advance()
            }
            if names.isEmpty {
                error(.expectedModifierArgument, at: .at(current.range.start),
                      "expected 'all' or attribute names after 'show'")
            }
            return .show(keyword: keyword, all: nil, names: names)
        case .sort?:
            var by: Token?
            if current.keyword == .by {
                by = advance()
            } else {
                error(.expectedModifierArgument, at: .at(current.range.start), "expected 'by' after 'sort'",
                      fixIts: [FixIt(range: .at(current.range.start), replacement: "by ")])
            }
            var field: Token?
            if current.kind == .word, !startsModifier(current), current.keyword != .asc, current.keyword != .desc {
                field = advance()
            } else {
                error(.expectedModifierArgument, at: .at(current.range.start),
                      "expected a field to sort by (id, createdDate or lastModifiedDate)")
            }
            var direction: Token?
            if current.kind == .word, !startsModifier(current),
                current.keyword == nil || current.keyword == .asc || current.keyword == .desc {
                direction = advance()
            }
            return .sort(keyword: keyword, by: by, field: field, direction: direction)
        case .count?:
            guard current.keyword == .by else { return .count(keyword: keyword, by: nil, field: nil, per: nil, unit: nil) }
            let by = advance()
            var field: Token?
            if current.kind == .word, !startsModifier(current) {
                field = advance()
            } else {
                error(.expectedModifierArgument, at: .at(current.range.start), "expected a field to count by after 'count by'")
            }
            var per: Token?
            var unit: Token?
            if current.keyword == .per {
                per = advance()
                if current.kind == .word, !startsModifier(current) {
                    unit = advance()
                } else {
                    error(.expectedModifierArgument, at: .at(current.range.start), "expected day, week or month after 'per'")
                }
            }
            return .count(keyword: keyword, by: by, field: field, per: per, unit: unit)
        default:
            let name = keyword.keyword == .page ? "page" : "range"
            var number: Token?
            if current.kind == .number || current.kind == .parameter {
                number = advance()
            } else {
                error(.expectedModifierArgument, at: .at(current.range.start),
                      "expected a number after '\(name)'")
            }
            var size: Token?
            if current.keyword == .size {
                let sizeKeyword = advance()
                if current.kind == .number || current.kind == .parameter {
                    size = advance()
                } else {
                    error(.expectedModifierArgument, at: .at(sizeKeyword.range.end), "expected a number after 'size'")
                }
            }
            return keyword.keyword == .page
                ? .page(keyword: keyword, number: number, size: size)
                : .range(keyword: keyword, start: number, size: size)
        }
    }
}
