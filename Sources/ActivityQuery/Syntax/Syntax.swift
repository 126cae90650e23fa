/// The syntax tree of one query. Missing pieces are represented, not thrown: a tree is produced
/// for any input, and the parser's diagnostics say what was missing or unexpected.
public struct QuerySyntax: Sendable {
    /// From the first to the last significant token of the query.
    public var range: SourceRange
    public var filter: FilterSyntax?
    public var modifiers: [ModifierSyntax]
    /// The query's significant tokens (no trivia, no line breaks), in source order.
    public var tokens: [Token]
}

/// A filter as written: conditions combined by `and`, `or`, `not` and brackets. Only the cases
/// that hold one filter inside another are `indirect`; a condition is held by reference, so a
/// filter is a few words to copy and the common `a and b and c` is one array, not a box per part.
public enum FilterSyntax: Sendable {
    case condition(ConditionSyntax)
    case and([FilterSyntax], operators: [Token])
    case or([FilterSyntax], operators: [Token])
    indirect case not(Token, FilterSyntax)
    indirect case group(open: Token, FilterSyntax, close: Token?)
    /// Nothing usable was found here; the parser has reported why.
    case missing(SourceRange)

    public var range: SourceRange {
        switch self {
        case .condition(let condition): condition.range
        case .and(let parts, _), .or(let parts, _): parts[0].range.union(parts[parts.count - 1].range)
        case .not(let token, let operand): token.range.union(operand.range)
        case .group(let open, let inner, let close): open.range.union(close?.range ?? inner.range)
        case .missing(let range): range
        }
    }
}

/// A condition as written: a field, an operator and a value. Immutable and shared: the binder,
/// the printer and the language server read a condition without copying its tokens.
public final class ConditionSyntax: Sendable {
    public let field: Token
    /// A comparison token or the keyword `in`; nil when it was missing.
    public let op: Token?
    public let value: ValueSyntax

    /// The condition `field op value` (`op` nil when the parser found none).
    public init(field: Token, op: Token?, value: ValueSyntax) {
        self.field = field
        self.op = op
        self.value = value
    }

    public var range: SourceRange { field.range.union(value.range).union(op?.range ?? field.range) }
}

/// The value side of a condition: a single token, a list `( … )` or a date range `[ .. ]`.
public enum ValueSyntax: Sendable {
    case single(Token)
    /// `[lower .. upper]`, either bound may be absent.
    case dateRange(open: Token, lower: Token?, separator: Token?, upper: Token?, close: Token?)
    /// `(a, b, c)` after `in`.
    case list(open: Token, items: [Token], close: Token?)
    case missing(SourceRange)

    public var range: SourceRange {
        switch self {
        case .single(let token): token.range
        case .dateRange(let open, let lower, let separator, let upper, let close):
            open.range.union(close?.range ?? upper?.range ?? separator?.range ?? lower?.range ?? open.range)
        case .list(let open, let items, let close):
            open.range.union(close?.range ?? items.last?.range ?? open.range)
        case .missing(let range): range
        }
    }
}

/// A modifier as written: `show`, `sort by`, `page` or `range`, with its tokens.
public enum ModifierSyntax: Sendable {
    /// `show all` or `show a, b`.
    case show(keyword: Token, all: Token?, names: [Token])
    /// `sort by FIELD [asc|desc]`.
    case sort(keyword: Token, by: Token?, field: Token?, direction: Token?)
    /// `page N [size M]`.
    case page(keyword: Token, number: Token?, size: Token?)
    /// `range S [size M]`.
    case range(keyword: Token, start: Token?, size: Token?)
    /// `count`, `count by FIELD`, `count by DATEFIELD per day|week|month`.
    case count(keyword: Token, by: Token?, field: Token?, per: Token?, unit: Token?)

    public var keyword: Token {
        switch self {
        case .show(let keyword, _, _), .sort(let keyword, _, _, _), .page(let keyword, _, _),
            .range(let keyword, _, _), .count(let keyword, _, _, _, _):
            keyword
        }
    }

    public var range: SourceRange {
        switch self {
        case .show(let keyword, let all, let names):
            keyword.range.union(names.last?.range ?? all?.range ?? keyword.range)
        case .sort(let keyword, let by, let field, let direction):
            keyword.range.union(direction?.range ?? field?.range ?? by?.range ?? keyword.range)
        case .page(let keyword, let number, let size), .range(let keyword, let number, let size):
            keyword.range.union(size?.range ?? number?.range ?? keyword.range)
        case .count(let keyword, let by, let field, let per, let unit):
            keyword.range.union(unit?.range ?? per?.range ?? field?.range ?? by?.range ?? keyword.range)
        }
    }
}
