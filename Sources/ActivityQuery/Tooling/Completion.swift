/// What a completion inserts.
public struct CompletionItem: Hashable, Sendable {
    /// What an item completes (for the icon an editor shows).
    public enum Kind: String, Sendable {
        case field, `operator`, value, keyword, modifier
    }

    public var label: String
    public var insertText: String
    public var kind: Kind
    public var detail: String?

    /// An item shown as `label`, inserting `insert` (or the label).
    public init(_ label: String, insert: String? = nil, kind: Kind, detail: String? = nil) {
        self.label = label
        self.insertText = insert ?? label
        self.kind = kind
        self.detail = detail
    }
}

/// Values a backend knows, for completing the value of a field.
public protocol CompletionValueSource {
    func values(for filter: Filter) -> [String]
    func customAttributeNames() -> [String]
}

/// The context-aware completion engine that the REPL and the language server share: fields at the
/// start of a condition, the operators a field's type allows, the values the backend knows for
/// it (quoted where the language needs quotes), and modifiers and their arguments.
public enum CompletionEngine {
    /// The items, and the byte offset from which they replace the text.
    public struct Result: Sendable {
        /// Byte offset in the text where the word being completed starts.
        public var replaceFrom: Int
        public var items: [CompletionItem]
    }

    /// Completions for the end of `text` (the query up to the cursor).
    public static func complete(_ input: String, values: CompletionValueSource? = nil) -> Result {
        let bytes = Array(input.utf8)
        let (tokens, _) = Lexer.tokenize(bytes)
        var significant = tokens.filter { !$0.kind.isTrivia && $0.kind != .newline && $0.kind != .endOfFile }
        // The word under completion: a token that touches the end of the text.
        var prefix = ""
        var replaceFrom = bytes.count
        if let last = significant.last, last.range.end == bytes.count,
            last.kind.isValue || last.kind == .invalid || last.kind.isComparison {
            if last.kind != .string || last.range.length == 1 || bytes[last.range.end - 1] != UInt8(ascii: "\"") {
                prefix = String(decoding: bytes[last.range.start..<last.range.end], as: UTF8.self)
                replaceFrom = last.range.start
                significant.removeLast()
            }
        }
        func text(_ token: Token) -> String { String(decoding: bytes[token.range.start..<token.range.end], as: UTF8.self) }
        let previous = significant.last
        let beforePrevious = significant.count >= 2 ? significant[significant.count - 2] : nil

        var items: [CompletionItem]
        switch previous {
        case nil:
            items = fieldItems(values) + [CompletionItem("not", kind: .keyword)]
        case let token? where token.keyword == .and || token.keyword == .or || token.keyword == .not
            || token.kind == .leftParen || token.kind == .bang:
            items = fieldItems(values)
        case let token? where token.kind.isComparison:
            if let field = beforePrevious.flatMap({ Filter.named(text($0)) }) {
                items = valueItems(for: field, values)
            } else {
                items = []
            }
        case let token? where token.keyword == .in:
            items = [CompletionItem("[", insert: "[", kind: .keyword, detail: "a date range [A .. B]"),
                     CompletionItem("(", insert: "(", kind: .keyword, detail: "a list of values")]
        case let token? where token.keyword == .sort:
            items = [CompletionItem("by", kind: .keyword)]
        case let token? where token.keyword == .by:
            items = SortField.allCases.map { CompletionItem($0.rawValue, kind: .field, detail: "sort key") }
        case let token? where token.keyword == .show:
            items = [CompletionItem("all", kind: .keyword, detail: "every attribute")]
                + ["payload", "attachments", "notes"].map { CompletionItem($0, kind: .value, detail: "attribute") }
        case let token? where token.keyword == .page || token.keyword == .range:
            items = []
        case let token? where token.kind == .number && (beforePrevious?.keyword == .page || beforePrevious?.keyword == .range):
            items = [CompletionItem("size", kind: .keyword)] + modifierItems()
        case let token? where token.kind == .word && Filter.named(text(token)) != nil && !(beforePrevious?.kind.isComparison ?? false)
            && beforePrevious?.keyword != .by:
            items = operatorItems(for: Filter.named(text(token))!)
        case let token? where beforePrevious?.keyword == .by && token.kind == .word:
            items = [CompletionItem("asc", kind: .keyword), CompletionItem("desc", kind: .keyword)] + modifierItems()
        default:
            // After a complete condition or modifier.
            items = [CompletionItem("and", kind: .keyword), CompletionItem("or", kind: .keyword)] + modifierItems()
        }
        let lowered = prefix.lowercased()
        if !prefix.isEmpty {
            items = items.filter { $0.insertText.lowercased().hasPrefix(lowered) || $0.label.lowercased().hasPrefix(lowered) }
        }
        return Result(replaceFrom: replaceFrom, items: items)
    }

    static func fieldItems(_ values: CompletionValueSource?) -> [CompletionItem] {
        Filter.allFixed.map { CompletionItem($0.name, kind: .field, detail: $0.summary) }
            + [CompletionItem("custom.", kind: .field, detail: "a custom attribute: custom.<name>")]
            + (values?.customAttributeNames() ?? []).map {
                let field = Filter.custom($0)
                return CompletionItem(field.spelling, kind: .field, detail: field.summary)
            }
    }

    static func operatorItems(for field: Filter) -> [CompletionItem] {
        if field.valueKind == .date {
            return [
                CompletionItem(">=", kind: .operator, detail: "on or after"), CompletionItem("<=", kind: .operator, detail: "on or before"),
                CompletionItem(">", kind: .operator, detail: "after"), CompletionItem("<", kind: .operator, detail: "before"),
                CompletionItem("=", kind: .operator, detail: "on that day or at that instant"),
                CompletionItem("in", kind: .operator, detail: "in [A .. B], bounds inclusive"),
            ]
        }
        return [CompletionItem("=", kind: .operator, detail: "exactly equal")]
    }

    static func valueItems(for field: Filter, _ values: CompletionValueSource?) -> [CompletionItem] {
        if field.valueKind == .date {
            return [("today", "the whole day"), ("yesterday", "the whole day"), ("now", "this instant"),
                    ("-7d", "seven days ago"), ("-24h", "a day ago"), ("-30d", "thirty days ago")]
                .map { CompletionItem($0.0, kind: .value, detail: $0.1) }
        }
        var seen = Set<String>()
        var result: [CompletionItem] = []
        for value in field.knownValues + (values?.values(for: field) ?? []) where seen.insert(value).inserted {
            result.append(CompletionItem(value, insert: StringLiteral.literal(value), kind: .value, detail: field.name))
        }
        return result
    }

    static func modifierItems() -> [CompletionItem] {
        [CompletionItem("show", kind: .modifier, detail: "show all | show a, b"),
         CompletionItem("sort by", insert: "sort by", kind: .modifier, detail: "sort by FIELD [asc|desc]"),
         CompletionItem("page", kind: .modifier, detail: "page N [size M]"),
         CompletionItem("range", kind: .modifier, detail: "range S [size M]")]
    }
}
